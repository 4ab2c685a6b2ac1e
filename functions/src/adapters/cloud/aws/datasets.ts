import type { DatasetQuery } from '../../../app/cloud/ports.js';
import { GLOBAL_REGION } from './clients.js';
import type { AwsCall } from './context.js';

/**
 * Read-only datasets: `billing` (Cost Explorer GetCostAndUsage, daily, grouped by linked account
 * and service) and `logs` (CloudWatch Logs FilterLogEvents over the account's log groups), in
 * the row shapes the agents read (the sandbox fixtures' rows).
 */

const DAY_MS = 86_400_000;
/** Without `since`: billing covers the last 62 days (this month and the last one, whole). */
const BILLING_DAYS = 62;
/** Without `since`: logs cover the last 24 hours. */
const LOG_HOURS = 24;
const MAX_LOG_ROWS = 10_000;
const MAX_LOG_GROUPS = 50;
const MAX_BILLING_ROWS = 100_000;

const day = (d: Date) => d.toISOString().slice(0, 10);

/** `{date, project, service, sku, cost, currency}` per day, account and service (Cost Explorer has no SKU: `sku` is the service). */
export async function billingRows(call: AwsCall, query: DatasetQuery): Promise<Record<string, unknown>[]> {
  const m = await import('@aws-sdk/client-cost-explorer');
  const client = new m.CostExplorerClient(call.config('ce', GLOBAL_REGION));
  const now = call.now();
  const start = query.since ?? new Date(now.getTime() - BILLING_DAYS * DAY_MS);
  // End is exclusive: tomorrow includes today's (partial) day.
  const end = new Date(now.getTime() + DAY_MS);
  const limit = Math.min(query.limit ?? MAX_BILLING_ROWS, MAX_BILLING_ROWS);
  const rows: Record<string, unknown>[] = [];
  let token: string | undefined;
  do {
    const out = await call.run('ce:GetCostAndUsage', 'global', () =>
      client.send(
        new m.GetCostAndUsageCommand({
          TimePeriod: { Start: day(start), End: day(end) },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
          GroupBy: [
            { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
            { Type: 'DIMENSION', Key: 'SERVICE' },
          ],
          ...(token ? { NextPageToken: token } : {}),
        }),
      ),
    );
    for (const period of out.ResultsByTime ?? []) {
      for (const g of period.Groups ?? []) {
        const metric = g.Metrics?.['UnblendedCost'];
        const cost = Number(metric?.Amount);
        if (!Number.isFinite(cost) || cost === 0) continue;
        const [project, service] = g.Keys ?? [];
        rows.push({ date: period.TimePeriod?.Start ?? '', project: project ?? call.account, service: service ?? 'unknown', sku: service ?? 'unknown', cost: Math.round(cost * 1e6) / 1e6, currency: metric?.Unit ?? 'USD' });
      }
    }
    token = out.NextPageToken;
  } while (token && rows.length < limit);
  return rows.slice(0, limit);
}

const SEVERITY = /\b(EMERGENCY|ALERT|CRITICAL|FATAL|ERROR|WARNING|WARN|NOTICE|INFO|DEBUG|TRACE)\b/;

/** The severity a log line states: a JSON `level`/`severity` field, else the first level word in it; DEFAULT when none. */
export function severityOf(message: string): string {
  if (message.startsWith('{')) {
    try {
      const j = JSON.parse(message) as Record<string, unknown>;
      const v = j['severity'] ?? j['level'] ?? j['levelname'];
      if (typeof v === 'string') return v.toUpperCase() === 'WARN' ? 'WARNING' : v.toUpperCase();
    } catch {
      // not JSON after all: read it as text
    }
  }
  const w = SEVERITY.exec(message.toUpperCase())?.[1];
  if (!w) return 'DEFAULT';
  return w === 'WARN' ? 'WARNING' : w === 'FATAL' ? 'CRITICAL' : w;
}

/** `{timestamp, severity, service, resource, message}` from every log group, newest window first, bounded. */
export async function logRows(call: AwsCall, query: DatasetQuery): Promise<Record<string, unknown>[]> {
  const m = await import('@aws-sdk/client-cloudwatch-logs');
  const limit = Math.min(query.limit ?? MAX_LOG_ROWS, MAX_LOG_ROWS);
  const since = query.since ?? new Date(call.now().getTime() - LOG_HOURS * 3_600_000);
  const rows: Record<string, unknown>[] = [];
  for (const region of call.target.regions) {
    const client = new m.CloudWatchLogsClient(call.config('logs', region));
    const groups: string[] = [];
    let token: string | undefined;
    do {
      const out = await call.run('logs:DescribeLogGroups', region, () => client.send(new m.DescribeLogGroupsCommand({ limit: 50, ...(token ? { nextToken: token } : {}) })));
      for (const g of out.logGroups ?? []) if (g.logGroupName) groups.push(g.logGroupName);
      token = out.nextToken;
    } while (token && groups.length < MAX_LOG_GROUPS);
    for (const group of groups.slice(0, MAX_LOG_GROUPS)) {
      let next: string | undefined;
      do {
        const out = await call.run('logs:FilterLogEvents', region, () =>
          client.send(new m.FilterLogEventsCommand({ logGroupName: group, startTime: since.getTime(), limit: Math.min(10_000, limit - rows.length), ...(next ? { nextToken: next } : {}) })),
        );
        for (const e of out.events ?? []) {
          const message = (e.message ?? '').trimEnd();
          rows.push({
            timestamp: new Date(e.timestamp ?? 0).toISOString(),
            severity: severityOf(message),
            // The last path segment of the group: /aws/lambda/checkout-api → checkout-api.
            service: group.split('/').filter(Boolean).at(-1) ?? group,
            resource: `${group}/${e.logStreamName ?? ''}`,
            message,
          });
        }
        next = out.nextToken;
      } while (next && rows.length < limit);
      if (rows.length >= limit) return rows.slice(0, limit);
    }
  }
  return rows;
}
