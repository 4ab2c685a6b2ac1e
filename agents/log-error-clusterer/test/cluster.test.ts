import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clusterLogs, DEFAULTS, jaccard, mergeTemplates, severityRank, signature, templateOf, tokens, type LogEntry } from '../src/cluster.ts';

const rows = (JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as { datasets: { logs: LogEntry[] } }).datasets.logs;
const asOf = '2026-11-03T12:00:00Z';
const opts = { ...DEFAULTS, asOf };

describe('message templates', () => {
  it('masks IPs with ports, numbers and quoted strings', () => {
    expect(templateOf('Connection reset by peer while reading from postgres at 10.20.3.14:5432 (pool=orders-db, conn_id=8812)')).toBe(
      'Connection reset by peer while reading from postgres at <IP> (pool=orders-db, conn_id=<NUM>)',
    );
    expect(templateOf(`Failed to load feature flag 'new-checkout-flow': flag not found`)).toBe('Failed to load feature flag <STR>: flag not found');
    expect(templateOf(`can't open "/etc/app.yaml"`)).toBe(`can't open <STR>`);
  });

  it('masks durations in every usual spelling, but not words that merely contain digits', () => {
    for (const d of ['3000ms', '4.5s', '5 seconds', '1m30s', '250us']) expect(templateOf(`Timed out after ${d} waiting`)).toBe('Timed out after <DUR> waiting');
    expect(templateOf('GET /api/v2/carts returned early')).toBe('GET /api/v2/carts returned early');
  });

  it('masks UUIDs, hex ids, pod names, timestamps, sizes and percentages', () => {
    expect(templateOf('request_id=3f2b6c1e-9a4d-4c1b-8e7f-0a1b2c3d4e5f trace 4bf92f3577b34da6a3ce929d0e0e4736 ptr 0x7ffd5e')).toBe(
      'request_id=<UUID> trace <HEX> ptr <HEX>',
    );
    expect(templateOf('pod checkout-api-7d9f8b6c4-x2v9k evicted at 2026-11-03T10:00:00.123Z')).toBe('pod checkout-api-<POD> evicted at <TS>');
    expect(templateOf('Disk usage 97.3% on /data, 2.5 GiB free')).toBe('Disk usage <PCT> on /data, <SIZE> free');
  });

  it('keeps only the class of an HTTP status, so 502, 503 and 500 are one family', () => {
    const a = templateOf('upstream returned HTTP 503 Service Unavailable for POST /carts');
    expect(a).toBe('upstream returned HTTP <5XX> for POST /carts');
    expect(templateOf('upstream returned HTTP 502 Bad Gateway for POST /carts')).toBe(a);
    expect(templateOf('upstream returned HTTP 500 for POST /carts')).toBe(a);
    expect(templateOf('upstream returned status=404 for GET /x')).toBe('upstream returned status=<4XX> for GET /x');
  });

  it('uses the first line and the top stack frame as the signature of a stack trace', () => {
    const npe = 'java.lang.NullPointerException: Cannot invoke "a.B.c()" because "x" is null\n\tat com.acme.Foo.bar(Foo.java:42)\n\tat com.acme.Main.run(Main.java:7)';
    expect(signature(npe)).toBe('java.lang.NullPointerException: Cannot invoke "a.B.c()" because "x" is null at com.acme.Foo.bar(Foo.java:42)');
    expect(templateOf(npe)).toBe('java.lang.NullPointerException: Cannot invoke <STR> because <STR> is null at com.acme.Foo.bar(Foo.java:<NUM>)');
  });

  it('measures similarity on word sets and merges templates word by word', () => {
    const a = tokens('Connection reset at <IP> (pool=orders-db)');
    const b = tokens('Connection reset at <IP> (pool=payments-db)');
    expect(jaccard(a, b)).toBeCloseTo(5 / 7);
    expect(jaccard(a, a)).toBe(1);
    expect(mergeTemplates(['reset at <IP> (pool=orders-db, id=<NUM>)', 'reset at <IP> (pool=payments-db, id=<NUM>)'])).toBe('reset at <IP> (pool=<*>, id=<NUM>)');
    expect(mergeTemplates(['a b c', 'a b c d'])).toBe('a b c');
  });

  it('orders severities as Cloud Logging does and accepts the usual aliases', () => {
    expect(severityRank('ERROR')).toBeGreaterThan(severityRank('WARNING'));
    expect(severityRank('warn')).toBe(severityRank('WARNING'));
    expect(severityRank('FATAL')).toBe(severityRank('CRITICAL'));
  });
});

describe('clustering the shipped log export', () => {
  const report = clusterLogs(rows, opts);
  const byTemplate = (part: string) => report.clusters.filter((c) => c.template.includes(part));

  it('keeps only the 24-hour window and ERROR-and-above entries', () => {
    expect(report.scanned).toBe(rows.length);
    expect(report.inWindow).toBeLessThan(rows.length);
    expect(report.window).toEqual({ from: '2026-11-02T12:00:00.000Z', to: '2026-11-03T12:00:00.000Z' });
    const expected = rows.filter((r) => {
      const t = Date.parse(r.timestamp);
      return t > Date.parse('2026-11-02T12:00:00Z') && t <= Date.parse(asOf) && severityRank(r.severity) >= severityRank('ERROR');
    }).length;
    expect(report.errors).toBe(expected);
    for (const c of report.clusters) {
      expect(c.firstSeen >= report.window.from).toBe(true);
      expect(Object.keys(c.severities).every((s) => severityRank(s) >= severityRank('ERROR'))).toBe(true);
    }
  });

  it('finds each recurring family as one cluster, largest first', () => {
    expect(report.clusters[0]!.template).toBe('upstream checkout-api returned HTTP <5XX> for POST /api/v1/carts/<UUID>/checkout request_id=<UUID>');
    for (const part of ['Connection reset by peer', 'Timed out after <DUR>', 'Quota exceeded', 'read tcp <IP>-><IP>', 'context deadline exceeded', 'Invalid JWT signature']) {
      expect(byTemplate(part)).toHaveLength(1);
    }
    for (let i = 1; i < report.clusters.length; i++) expect(report.clusters[i - 1]!.count).toBeGreaterThanOrEqual(report.clusters[i]!.count);
    expect(report.clusters.reduce((s, c) => s + c.count, 0)).toBe(report.errors);
  });

  it('merges the two connection-pool variants of the database reset into one cluster across services', () => {
    const [reset] = byTemplate('Connection reset by peer');
    expect(reset).toMatchObject({ variants: 2, template: 'Connection reset by peer while reading from postgres at <IP> (pool=<*>, conn_id=<NUM>)' });
    expect(reset!.services).toEqual(['orders-api', 'payments-api']);
    // With a stricter similarity the variants stay apart.
    const strict = clusterLogs(rows, { ...opts, similarity: 0.9 });
    expect(strict.clusters.filter((c) => c.template.includes('Connection reset by peer'))).toHaveLength(2);
    expect(strict.clusters.length).toBe(report.clusters.length + 1);
  });

  it('keeps NullPointerExceptions from different code locations apart, and keeps the stack in the sample', () => {
    const npes = byTemplate('NullPointerException');
    expect(npes.map((c) => c.services[0]).sort()).toEqual(['billing-worker', 'notification-service']);
    expect(npes[0]!.sample.message).toContain('\n\tat ');
  });

  it('flags the gateway 5xx burst of the last hour as the only spike', () => {
    const spikes = report.clusters.filter((c) => c.spike);
    expect(spikes.map((c) => c.services)).toEqual([['api-gateway']]);
    expect(spikes[0]!.lastHourCount).toBeGreaterThan(50);
    expect(spikes[0]!.spikeRatio).toBeGreaterThan(10);
    expect(report.clusters.find((c) => c.template.startsWith('Timed out'))!.spike).toBe(false);
  });

  it('reports first/last seen, services, a sample and a stable id', () => {
    const c = byTemplate('Quota exceeded')[0]!;
    expect(c.firstSeen <= c.lastSeen).toBe(true);
    expect(c.sample.timestamp).toBe(c.lastSeen);
    expect(c.sample.message).toMatch(/^Quota exceeded for bigquery\.googleapis\.com: \d+\/\d+ requests/);
    expect(c.id).toMatch(/^c-[0-9a-f]{8}$/);
    expect(clusterLogs(rows, opts).clusters.map((x) => x.id)).toEqual(report.clusters.map((x) => x.id));
  });

  it('honours minSeverity, and a brand-new burst spikes even without a baseline', () => {
    const critical = clusterLogs(rows, { ...opts, minSeverity: 'CRITICAL' });
    expect(critical.clusters.map((c) => c.services[0]).sort()).toEqual(['payments-api', 'postgres-orders']);
    const burst: LogEntry[] = Array.from({ length: 12 }, (_, i) => ({
      timestamp: `2026-11-03T11:${String(10 + i).padStart(2, '0')}:00Z`,
      severity: 'ERROR',
      service: 'x',
      resource: 'r',
      message: `OOMKilled container x (exit ${137 + i})`,
    }));
    const r = clusterLogs([...burst, { timestamp: 'not a date', severity: 'ERROR', service: 'x', resource: 'r', message: 'm' }], opts);
    expect(r.invalid).toBe(1);
    expect(r.clusters).toHaveLength(1);
    expect(r.clusters[0]).toMatchObject({ count: 12, lastHourCount: 12, hourlyMean: 0, spikeRatio: null, spike: true });
  });
});
