/** The pure retention policy: which snapshots to keep and which to delete. No I/O, tested directly. */
import type { Resource } from '@agent-marketplace/runner';

export interface RetentionPolicy {
  /** Ages are measured from here. */
  asOf: Date;
  /** Keep the newest N ready snapshots of every disk that still exists. */
  keepLatestPerDisk: number;
  /** Keep the newest N ready snapshots of a disk that no longer exists: its last backups. */
  orphanKeepLatest: number;
  /** Keep every snapshot younger than this many days. */
  minAgeDays: number;
  /** Snapshot storage price, dollars per GB-month. */
  pricePerGbMonth: number;
}

export const DEFAULTS: Omit<RetentionPolicy, 'asOf'> = {
  keepLatestPerDisk: 3,
  orphanKeepLatest: 1,
  minAgeDays: 30,
  pricePerGbMonth: 0.026,
};

/** A snapshot labelled `retain: "true"` is never deleted. */
export const RETAIN_LABEL = 'retain';

export type KeepReason = 'retain-label' | 'not-ready' | 'younger-than-min-age' | 'newest-of-disk';

export interface SnapshotFacts {
  id: string;
  name: string;
  project: string;
  sourceDisk: string;
  /** The source disk's short name (last path segment). */
  diskName: string;
  /** The source disk no longer exists. */
  orphan: boolean;
  sizeGb: number;
  createdAt: string;
  ageDays: number;
  storageLocation: string | null;
  state: string;
  /** 1 for the newest ready snapshot of its disk; null for a snapshot that is not ready. */
  rank: number | null;
}

export interface Decision extends SnapshotFacts {
  action: 'keep' | 'delete';
  /** Why it is kept (every reason that applies); empty when it is deleted. */
  keptBecause: KeepReason[];
  monthlyCostUsd: number;
  /** For a deletion, the sentence kept with the action. */
  reason: string;
}

export interface DiskReport {
  sourceDisk: string;
  diskName: string;
  project: string;
  orphan: boolean;
  snapshots: number;
  kept: number;
  toDelete: number;
  storedGb: number;
  reclaimableGb: number;
  newestSnapshotAt: string | null;
}

export interface Plan {
  decisions: Decision[];
  disks: DiskReport[];
}

const DAY_MS = 86_400_000;
const UNKNOWN_DISK = '(unknown source disk)';
const round2 = (n: number) => Math.round(n * 100) / 100;
const round1 = (n: number) => Math.round(n * 10) / 10;

export const monthlyStorageCost = (sizeGb: number, pricePerGbMonth: number) => round2(sizeGb * pricePerGbMonth);

/** Every way a snapshot's `sourceDisk` may name a disk: its id, its self link, its project/zone/name path. */
export function diskKeys(disk: Resource): string[] {
  const keys = [disk.id];
  const link = disk.attributes['selfLink'];
  if (typeof link === 'string') keys.push(link);
  const zone = disk.attributes['zone'];
  if (typeof zone === 'string') keys.push(`projects/${disk.project}/zones/${zone}/disks/${disk.name}`);
  return keys;
}

function createdAtOf(s: Resource): string {
  const a = s.attributes['createdAt'];
  if (typeof a === 'string' && !Number.isNaN(Date.parse(a))) return a;
  return s.createdAt ?? '1970-01-01T00:00:00Z';
}

/**
 * Applies the retention policy to every snapshot. A snapshot is deleted only when no keep rule
 * applies: it is not labelled retain, it is ready, it is older than minAgeDays and it is not among
 * the newest N of its disk (N = orphanKeepLatest when the disk is gone).
 */
export function planRetention(snapshots: readonly Resource[], disks: readonly Resource[], policy: RetentionPolicy): Plan {
  const existing = new Set(disks.flatMap(diskKeys));
  const groups = new Map<string, Resource[]>();
  for (const s of snapshots) {
    if (s.kind !== 'snapshot') continue;
    const src = s.attributes['sourceDisk'];
    const key = typeof src === 'string' && src.length > 0 ? src : UNKNOWN_DISK;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }

  const decisions: Decision[] = [];
  const reports: DiskReport[] = [];
  for (const [sourceDisk, group] of groups) {
    const orphan = !existing.has(sourceDisk);
    const keepLatest = orphan ? policy.orphanKeepLatest : policy.keepLatestPerDisk;
    const diskName = sourceDisk.split('/').at(-1) ?? sourceDisk;
    const ordered = [...group].sort((a, b) => createdAtOf(b).localeCompare(createdAtOf(a)) || a.id.localeCompare(b.id));
    let rank = 0;
    const groupDecisions: Decision[] = [];
    for (const s of ordered) {
      const createdAt = createdAtOf(s);
      const ageDays = Math.max(0, Math.floor((policy.asOf.getTime() - Date.parse(createdAt)) / DAY_MS));
      const sizeGb = typeof s.attributes['sizeGb'] === 'number' ? s.attributes['sizeGb'] : 0;
      const ready = s.state === 'ready';
      const myRank = ready ? ++rank : null;
      const keptBecause: KeepReason[] = [];
      if (s.labels[RETAIN_LABEL] === 'true') keptBecause.push('retain-label');
      if (!ready) keptBecause.push('not-ready');
      if (ageDays < policy.minAgeDays) keptBecause.push('younger-than-min-age');
      if (myRank !== null && myRank <= keepLatest) keptBecause.push('newest-of-disk');
      const action = keptBecause.length ? 'keep' : 'delete';
      const location = typeof s.attributes['storageLocation'] === 'string' ? s.attributes['storageLocation'] : null;
      const facts: SnapshotFacts = {
        id: s.id,
        name: s.name,
        project: s.project,
        sourceDisk,
        diskName,
        orphan,
        sizeGb,
        createdAt,
        ageDays,
        storageLocation: location,
        state: s.state,
        rank: myRank,
      };
      groupDecisions.push({
        ...facts,
        action,
        keptBecause,
        monthlyCostUsd: monthlyStorageCost(sizeGb, policy.pricePerGbMonth),
        reason: action === 'delete' ? deletionReason(facts, keepLatest, policy) : '',
      });
    }
    decisions.push(...groupDecisions);
    const toDelete = groupDecisions.filter((d) => d.action === 'delete');
    reports.push({
      sourceDisk,
      diskName,
      project: group[0]!.project,
      orphan,
      snapshots: group.length,
      kept: group.length - toDelete.length,
      toDelete: toDelete.length,
      storedGb: round1(group.reduce((s, d) => s + (typeof d.attributes['sizeGb'] === 'number' ? d.attributes['sizeGb'] : 0), 0)),
      reclaimableGb: round1(toDelete.reduce((s, d) => s + d.sizeGb, 0)),
      newestSnapshotAt: ordered[0] ? createdAtOf(ordered[0]) : null,
    });
  }
  reports.sort((a, b) => b.reclaimableGb - a.reclaimableGb || a.sourceDisk.localeCompare(b.sourceDisk));
  return { decisions, disks: reports };
}

function deletionReason(s: SnapshotFacts, keepLatest: number, policy: RetentionPolicy): string {
  const disk = s.orphan ? `deleted disk ${s.diskName} (orphan)` : `disk ${s.diskName}`;
  return (
    `Retention policy: ${s.ageDays} days old (keep < ${policy.minAgeDays}), ` +
    `number ${s.rank} of ${disk} (keep newest ${keepLatest}), not labelled ${RETAIN_LABEL}. ` +
    `Frees ${s.sizeGb} GB, about $${monthlyStorageCost(s.sizeGb, policy.pricePerGbMonth)}/month.`
  );
}

/** Deletions, oldest first: if a run is cut short, the oldest backups went first. */
export function deletionOrder(decisions: readonly Decision[]): Decision[] {
  return decisions.filter((d) => d.action === 'delete').sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}
