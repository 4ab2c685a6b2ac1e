import { jsonBytes, jsonValueIssues, TaskKey } from '@agent-marketplace/contract';
import { describe, expect, it } from 'vitest';
import {
  baselineKey,
  BASELINE_PREFIX,
  daysBefore,
  decodeKeyPart,
  encodeKeyPart,
  isDay,
  mergeBaseline,
  readBaseline,
  sameBaseline,
  type RememberedBaseline,
  type RunSeries,
} from '../src/baseline.ts';

const now = new Date('2026-11-01T06:00:00Z');
const opts = { rememberDays: 60, now, runId: 'r1' };
const day = (n: number) => new Date(Date.UTC(2026, 9, 1) + n * 86_400_000).toISOString().slice(0, 10);

function runOf(days: [string, number][], judged: string[] = days.map(([d]) => d), flagged: string[] = []): RunSeries {
  return { project: 'acme-prod', service: 'BigQuery', days: new Map(days), judged: new Set(judged), flagged: new Set(flagged) };
}

describe('baseline keys', () => {
  const odd: [string, string][] = [
    ['acme-prod', 'Compute Engine'],
    ['acme/prod', 'a/b'],
    ['..', '../etc/passwd'],
    ['my_project', 'Cloud SQL: PostgreSQL'],
    ['proj.with.dots', 'svc:with:colons'],
    ['', ''],
    ['projet-été', 'Stockage 日本語 🚀'],
    ['_', '_20'],
    ['x'.repeat(150), 'y'.repeat(150)],
    ['名'.repeat(30), 'サービス'],
  ];

  it.each(odd)('%j / %j gives a valid task key that names only that series', (project, service) => {
    const key = baselineKey(project, service);
    expect(TaskKey.safeParse(key).success, key).toBe(true);
    expect(key.startsWith(BASELINE_PREFIX)).toBe(true);
    expect(key.length).toBeLessThanOrEqual(200);
    // Exactly two segments after the prefix: a name never adds a level (listing by project prefix stays exact).
    expect(key.slice(BASELINE_PREFIX.length).split('/')).toHaveLength(2);
  });

  it('no two series share a key', () => {
    const keys = odd.map(([p, s]) => baselineKey(p, s));
    expect(new Set(keys).size).toBe(keys.length);
    // Moving the boundary between project and service, or an escape look-alike, gives another key.
    expect(baselineKey('a/b', 'c')).not.toBe(baselineKey('a', 'b/c'));
    expect(baselineKey('a_2F', 'b')).not.toBe(baselineKey('a/', 'b'));
    expect(baselineKey('A', 'b')).not.toBe(baselineKey('a', 'b'));
  });

  it('is readable for ordinary names and reversible', () => {
    expect(baselineKey('acme-prod', 'Compute Engine')).toBe('baselines/acme-prod/Compute_20Engine');
    expect(encodeKeyPart('a/b..c')).toBe('a_2Fb_2E_2Ec');
    expect(encodeKeyPart('')).toBe('_');
    for (const [project, service] of odd) {
      expect(decodeKeyPart(encodeKeyPart(project))).toBe(project);
      expect(decodeKeyPart(encodeKeyPart(service))).toBe(service);
    }
  });

  it('falls back to a hash of the names when the readable key would be too long', () => {
    const key = baselineKey('x'.repeat(150), 'y'.repeat(150));
    expect(key).toMatch(/^baselines\/_h\/[0-9a-f]{64}$/);
    expect(baselineKey('名'.repeat(30), 'サービス')).toMatch(/^baselines\/_h\//);
    expect(baselineKey('x'.repeat(150), 'y'.repeat(149))).not.toBe(key);
  });
});

describe('remembered baselines', () => {
  it('a day seen again replaces the remembered cost; new days are added; dates stay ascending', () => {
    const first = mergeBaseline(null, runOf([[day(0), 100], [day(1), 110]]), opts);
    expect(first.days).toEqual({ [day(0)]: 100, [day(1)]: 110 });
    const second = mergeBaseline(first, runOf([[day(2), 90], [day(1), 120]]), { ...opts, runId: 'r2' });
    expect(second.days).toEqual({ [day(0)]: 100, [day(1)]: 120, [day(2)]: 90 });
    expect(Object.keys(second.days)).toEqual([day(0), day(1), day(2)]);
    expect(second).toMatchObject({ v: 1, project: 'acme-prod', service: 'BigQuery', runId: 'r2', updatedAt: now.toISOString() });
  });

  it('keeps only the last rememberDays calendar days up to the newest, and their flags', () => {
    let b: RememberedBaseline | null = null;
    for (let i = 0; i < 100; i++) b = mergeBaseline(b, runOf([[day(i), 100 + i]], [day(i)], i % 10 === 0 ? [day(i)] : []), opts);
    expect(Object.keys(b!.days)).toHaveLength(60);
    expect(Object.keys(b!.days)[0]).toBe(day(40));
    expect(b!.flagged).toEqual([day(40), day(50), day(60), day(70), day(80), day(90)]);
    // An old day read late is judged by its run but not kept past the window.
    const late = mergeBaseline(b, runOf([[day(5), 1]]), opts);
    expect(late.days[day(5)]).toBeUndefined();
  });

  it('a judged day loses its old flag unless flagged again; an unjudged one keeps it', () => {
    const b = mergeBaseline(null, runOf([[day(0), 100], [day(1), 500]], [day(1)], [day(1)]), opts);
    expect(b.flagged).toEqual([day(1)]);
    expect(mergeBaseline(b, runOf([[day(1), 100]], [], []), opts).flagged).toEqual([day(1)]);
    expect(mergeBaseline(b, runOf([[day(1), 100]], [day(1)], []), opts).flagged).toEqual([]);
  });

  it('stays a small, valid task value even at its widest', () => {
    let b: RememberedBaseline | null = null;
    for (let i = 0; i < 400; i++) b = mergeBaseline(b, runOf([[day(i), 123456.78]], [day(i)], [day(i)]), { ...opts, rememberDays: 366 });
    expect(Object.keys(b!.days)).toHaveLength(366);
    expect(jsonValueIssues(b)).toEqual([]);
    expect(jsonBytes(b)).toBeLessThan(16 * 1024);
    const usual = mergeBaseline(null, runOf(Array.from({ length: 60 }, (_, i) => [day(i), 1234.56] as [string, number])), opts);
    expect(jsonBytes(usual)).toBeLessThan(2 * 1024);
  });

  it('reads back defensively: another format, another series or bad days are not used', () => {
    const b = mergeBaseline(null, runOf([[day(0), 100]], [day(0)], [day(0)]), opts);
    expect(readBaseline(JSON.parse(JSON.stringify(b)), 'acme-prod', 'BigQuery')).toEqual(b);
    expect(readBaseline(b, 'acme-prod', 'Cloud SQL')).toBeNull();
    expect(readBaseline({ ...b, v: 2 }, 'acme-prod', 'BigQuery')).toBeNull();
    expect(readBaseline('nonsense', 'acme-prod', 'BigQuery')).toBeNull();
    const messy = readBaseline({ ...b, days: { [day(0)]: 100, 'yesterday': 3, '2026-02-30': 4, [day(1)]: 'x' }, flagged: [day(0), day(9), 7] }, 'acme-prod', 'BigQuery');
    expect(messy).toMatchObject({ days: { [day(0)]: 100 }, flagged: [day(0)] });
  });

  it('tells an unchanged merge apart, so nothing is written for it', () => {
    const b = mergeBaseline(null, runOf([[day(0), 100], [day(1), 110]]), opts);
    expect(sameBaseline(b, mergeBaseline(b, runOf([[day(1), 110]]), { ...opts, now: new Date() }))).toBe(true);
    expect(sameBaseline(b, mergeBaseline(b, runOf([[day(1), 111]]), opts))).toBe(false);
    expect(sameBaseline(null, b)).toBe(false);
  });

  it('dates', () => {
    expect(isDay('2026-10-01')).toBe(true);
    expect(isDay('2026-02-30')).toBe(false);
    expect(isDay('2026-10-01T00:00:00Z')).toBe(false);
    expect(daysBefore('2026-03-01', 1)).toBe('2026-02-28');
  });
});
