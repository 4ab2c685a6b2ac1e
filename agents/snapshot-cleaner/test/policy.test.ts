import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Resource } from '@agent-marketplace/runner';
import { DEFAULTS, deletionOrder, diskKeys, monthlyStorageCost, planRetention } from '../src/policy.ts';

const resources = (JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as { resources: Resource[] }).resources;
const snapshots = resources.filter((r) => r.kind === 'snapshot');
const disks = resources.filter((r) => r.kind === 'disk');
const policy = { ...DEFAULTS, asOf: new Date('2026-11-20T00:00:00Z') };

const LINK = 'projects/acme-dev/zones/us-central1-a/disks/d1';
const disk: Resource = {
  kind: 'disk',
  id: '42',
  name: 'd1',
  project: 'acme-dev',
  region: 'us-central1',
  state: 'ready',
  labels: {},
  attributes: { zone: 'us-central1-a', sizeGb: 100 },
};
const snap = (id: string, createdAt: string, over: Partial<Resource> = {}): Resource => ({
  kind: 'snapshot',
  id,
  name: `snap-${id}`,
  project: 'acme-dev',
  region: 'us-central1',
  state: 'ready',
  labels: {},
  ...over,
  attributes: { sourceDisk: LINK, sizeGb: 10, createdAt, ...over.attributes },
});

describe('snapshot retention policy', () => {
  const plan = planRetention(snapshots, disks, policy);

  it('keeps the newest N of each existing disk even when they are old', () => {
    const wh = plan.decisions.filter((d) => d.diskName === 'warehouse-scratch');
    expect(wh.filter((d) => d.action === 'keep').map((d) => d.rank)).toEqual([1, 2, 3]);
    expect(wh.find((d) => d.rank === 3)?.keptBecause).toEqual(['newest-of-disk']);
    expect(wh.find((d) => d.rank === 4)?.action).toBe('delete');
  });

  it('keeps the newest orphan snapshot as the last backup of a deleted disk, and anything labelled retain', () => {
    const mysql = plan.decisions.filter((d) => d.diskName === 'legacy-mysql-data');
    expect(mysql.every((d) => d.orphan)).toBe(true);
    const kept = mysql.filter((d) => d.action === 'keep');
    expect(kept.map((d) => d.keptBecause)).toEqual([['newest-of-disk'], ['retain-label']]);
    expect(kept[0]!.name).toMatch(/^legacy-mysql-data-monthly-20260104-/);
    expect(kept[1]!.name).toBe('legacy-mysql-final-dump-2025');
  });

  it('an in-progress snapshot is kept and does not count as one of the newest backups', () => {
    const db = plan.decisions.filter((d) => d.diskName === 'orders-db-data');
    const creating = db.find((d) => d.state === 'creating');
    expect(creating).toMatchObject({ action: 'keep', rank: null });
    expect(creating?.keptBecause).toContain('not-ready');
    expect(db.filter((d) => d.rank === 1)).toHaveLength(1);
  });

  it('matches a source disk by self link, zone path or id', () => {
    expect(diskKeys(disk)).toEqual(['42', LINK]);
    const byId = snap('1', '2026-01-01T00:00:00Z', { attributes: { sourceDisk: '42' } });
    expect(planRetention([byId], [disk], policy).decisions[0]?.orphan).toBe(false);
    expect(planRetention([snap('1', '2026-01-01T00:00:00Z')], [], policy).decisions[0]?.orphan).toBe(true);
  });

  it('a snapshot without a source disk is an orphan of an unknown disk', () => {
    const [d] = planRetention([snap('1', '2026-01-01T00:00:00Z', { attributes: { sourceDisk: undefined } })], [disk], policy).disks;
    expect(d).toMatchObject({ sourceDisk: '(unknown source disk)', orphan: true, kept: 1 });
  });

  it('age is measured in whole days: exactly minAgeDays old is old enough', () => {
    const created = ['2026-10-21T00:00:00Z', '2026-10-21T00:00:01Z', '2026-10-21T00:00:02Z', '2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z'];
    const p = planRetention(
      created.map((c, i) => snap(String(i), c)),
      [disk],
      { ...policy, keepLatestPerDisk: 1 },
    );
    // Newest first: the newest is kept as the disk's latest, the next is 29.99 days old, the third exactly 30.
    expect(p.decisions.map((d) => [d.id, d.ageDays, d.keptBecause, d.action])).toEqual([
      ['2', 29, ['younger-than-min-age', 'newest-of-disk'], 'keep'],
      ['1', 29, ['younger-than-min-age'], 'keep'],
      ['0', 30, [], 'delete'],
      ['3', 322, [], 'delete'],
      ['4', 323, [], 'delete'],
    ]);
    expect(deletionOrder(p.decisions).map((d) => d.id)).toEqual(['4', '3', '0']);
  });

  it('prices storage per GB-month and explains each deletion', () => {
    expect(monthlyStorageCost(1210, 0.026)).toBe(31.46);
    const jenkins = plan.decisions.find((d) => d.name === 'before-jenkins-2-401-upgrade')!;
    expect(jenkins.reason).toBe(
      'Retention policy: 189 days old (keep < 30), number 4 of disk dev-jenkins-old-home (keep newest 3), not labelled retain. ' +
        'Frees 640 GB, about $16.64/month.',
    );
  });
});
