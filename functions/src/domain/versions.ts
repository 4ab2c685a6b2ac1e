import type { VersionState } from '@agent-marketplace/contract/publishing';
import type { ScanReport } from '@agent-marketplace/contract/scanReport';
import semver from 'semver';
import { AppError } from './errors.js';
import type { Manifest } from './manifest.js';

/**
 * A version's life (docs/publishing.md "Versions"): the pipeline from submission to
 * publication, and deprecation and yanking after it. Pure: the use cases read a version,
 * ask these functions what follows, and write it in a transaction.
 */
export interface VersionHistoryRecord {
  at: Date;
  state: VersionState;
  by: string;
  note: string | null;
}

export interface VersionBuildRecord {
  buildId: string | null;
  state: 'working' | 'succeeded' | 'failed';
  image: string | null;
  reason: string | null;
  logUrl: string | null;
}

/** `agents/{agentId}/versions/{version}` as the pipeline keeps it (seeded versions carry only the published fields). */
export interface VersionRecord {
  agentId: string;
  publisherId: string;
  version: string;
  state: VersionState;
  manifest: Manifest;
  yaml: string;
  releaseNotes: string | null;
  submittedAt: Date;
  submittedBy: string;
  bundle: { key: string; sha256: string; sizeBytes: number };
  scan: ScanReport | null;
  review: { decision: 'approved' | 'changes_requested'; comments: string; by: string; at: Date } | null;
  build: VersionBuildRecord | null;
  publishedAt: Date | null;
  deprecated: { at: Date; message: string } | null;
  yanked: { at: Date; reason: string } | null;
  history: VersionHistoryRecord[];
}

/** The most history entries kept on a version document (the oldest go first). */
const MAX_HISTORY = 50;

/** States a new submission may replace: the number was never published, and nothing is in flight. */
const REPLACEABLE: readonly VersionState[] = ['scan_failed', 'changes_requested', 'build_failed'];

/** Newest first by semver precedence. */
export function compareVersionsDesc(a: string, b: string): number {
  return semver.rcompare(a, b);
}

/**
 * Whether a submission of `version` may be stored, given what is stored under that number and
 * the agent's published versions: a published number is immutable; one in flight is busy; a
 * first submission must be above every published version (no going back under a release).
 */
export function judgeSubmission(existing: VersionRecord | null, version: string, published: readonly string[]): void {
  if (existing) {
    if (existing.state === 'published') throw new AppError('conflict', 'version_exists', `${existing.agentId}@${version} is published and cannot change; submit a new version.`);
    if (!REPLACEABLE.includes(existing.state)) {
      throw new AppError('conflict', 'version_in_progress', `${existing.agentId}@${version} is ${existing.state.replace('_', ' ')}; wait for its outcome before submitting it again.`);
    }
  }
  const newest = [...published].sort(compareVersionsDesc)[0];
  if (newest && semver.lte(version, newest)) {
    throw new AppError('conflict', 'version_not_newer', `Version ${version} is not above the newest published version ${newest}.`);
  }
}

/** Appends a history entry (bounded), for the pipeline's and the people's steps alike. */
export function withHistory(record: VersionRecord, state: VersionState, by: string, at: Date, note: string | null = null): VersionRecord {
  return { ...record, state, history: [...record.history, { at, state, by, note }].slice(-MAX_HISTORY) };
}

/** The scan's outcome: a failing blocker stops the version; otherwise it waits for review. */
export function afterScan(record: VersionRecord, report: ScanReport, at: Date): VersionRecord {
  if (record.state !== 'submitted') return record; // a repeated task
  const failed = report.checks.filter((c) => c.blocker && c.status === 'fail').map((c) => c.title);
  return withHistory({ ...record, scan: report }, report.passed ? 'in_review' : 'scan_failed', 'system:scan', at, failed.length ? `Blocked by: ${failed.join(', ')}` : null);
}

export function review(record: VersionRecord, decision: 'approved' | 'changes_requested', comments: string, by: string, at: Date): VersionRecord {
  if (record.state !== 'in_review') {
    throw new AppError('conflict', 'version_not_in_review', `${record.agentId}@${record.version} is ${record.state.replace('_', ' ')}, not in review.`);
  }
  return withHistory({ ...record, review: { decision, comments, by, at } }, decision, by, at, comments || null);
}

/** A build that ended: failed stops the version (a fixed resubmission replaces it); succeeded waits for its job. */
export function afterBuild(record: VersionRecord, build: VersionBuildRecord, at: Date): VersionRecord {
  if (record.state !== 'approved') return record;
  const next = { ...record, build };
  return build.state === 'failed' ? withHistory(next, 'build_failed', 'system:build', at, build.reason) : next;
}

export function publish(record: VersionRecord, at: Date): VersionRecord {
  if (record.state === 'published') return record;
  if (record.state !== 'approved') throw new AppError('conflict', 'version_not_approved', `${record.agentId}@${record.version} is not approved.`);
  return withHistory({ ...record, publishedAt: at }, 'published', 'system:deploy', at);
}

export type LifecycleAction = { kind: 'deprecate'; message: string } | { kind: 'undeprecate' } | { kind: 'yank'; reason: string } | { kind: 'unyank' };

/** Deprecating and yanking apply to published versions only; each is undone by its opposite. */
export function applyLifecycle(record: VersionRecord, action: LifecycleAction, by: string, at: Date): VersionRecord {
  if (record.state !== 'published') {
    throw new AppError('conflict', 'version_not_published', `${record.agentId}@${record.version} is ${record.state.replace('_', ' ')}; only a published version is deprecated or yanked.`);
  }
  const note = (what: string) => ({ at, state: 'published' as const, by, note: what });
  const history = (what: string) => [...record.history, note(what)].slice(-MAX_HISTORY);
  switch (action.kind) {
    case 'deprecate':
      return { ...record, deprecated: { at, message: action.message }, history: history(`deprecated: ${action.message}`) };
    case 'undeprecate':
      return { ...record, deprecated: null, history: history('deprecation lifted') };
    case 'yank':
      return { ...record, yanked: { at, reason: action.reason }, history: history(`yanked: ${action.reason}`) };
    case 'unyank':
      return { ...record, yanked: null, history: history('yank undone') };
  }
}

/** What a published version offers installs. */
export interface PublishedVersionFacts {
  version: string;
  deprecated: boolean;
  yanked: boolean;
}

/**
 * The version the catalog shows and new installs get: the newest not yanked, preferring
 * stable over prerelease and current over deprecated. Null when nothing is installable.
 */
export function latestInstallable(versions: readonly PublishedVersionFacts[]): string | null {
  const rank = (v: PublishedVersionFacts) => (v.deprecated ? 0 : 2) + (semver.prerelease(v.version) ? 0 : 1);
  const candidates = versions.filter((v) => !v.yanked);
  candidates.sort((a, b) => rank(b) - rank(a) || compareVersionsDesc(a.version, b.version));
  return candidates[0]?.version ?? null;
}

/** Scopes a version asks for that `previous` did not (all of them when there is none). */
export function newScopes(previous: Manifest | null, next: Manifest): string[] {
  const had = new Set(previous?.permissions.map((p) => p.scope) ?? []);
  return next.permissions.map((p) => p.scope).filter((s) => !had.has(s));
}
