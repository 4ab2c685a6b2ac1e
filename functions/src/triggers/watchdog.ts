import { logger } from 'firebase-functions/logger';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { sweepApprovals } from '../app/approvals/approvals.js';
import { sweepOutbox } from '../app/notifications/outbox.js';
import { sweepRetries } from '../app/notifications/retry.js';
import { watchRuns } from '../app/runs/runWatchdog.js';
import { sweepMemory } from '../app/memory/sweepMemory.js';
import { reportUsage } from '../app/billing/reportUsage.js';
import { sweepPayouts } from '../app/billing/payouts.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';

/**
 * Cloud Scheduler, every minute: the run watchdog. No run stays queued, dispatching, starting
 * or running past its bound (lost tasks, dead dispatches, silent runners, deadlines), and no
 * approval waits past its SLA. Also on this tick: usage to the billing provider's meters and
 * publishers' payouts, and the agent memory retention sweep.
 */
export const runWatchdog = onSchedule({ schedule: 'every 1 minutes', region: params.region, timeoutSeconds: 300, retryCount: 0 }, async () => {
  const { deps } = await getDeps();
  const result = await watchRuns(deps);
  // Approval SLAs on the same tick: overdue approvals escalate or expire (app/approvals).
  const approvals = await sweepApprovals(deps).catch((err: unknown) => ({ error: String(err) }));
  // Platform events a producer wrote but did not get published (app/notifications/outbox.ts).
  const outbox = await sweepOutbox(deps, deps.clock.now()).catch((err: unknown) => ({ error: String(err) }));
  // Webhook retries whose task was lost.
  const retries = await sweepRetries(deps, deps.clock.now()).catch((err: unknown) => ({ error: String(err) }));
  // Recorded usage to the billing provider's meters (app/billing/reportUsage.ts).
  const usage = await reportUsage(deps).catch((err: unknown) => ({ error: String(err) }));
  // Settled publisher balances above the minimum to their payout accounts (app/billing/payouts.ts).
  const payouts = await sweepPayouts(deps).catch((err: unknown) => ({ error: String(err) }));
  // Agent memory past its retention, and uninstalled installs' memory after the grace period (app/memory/sweepMemory.ts).
  const memory = await sweepMemory(deps, { now: deps.clock.now(), batchSize: 200 }).catch((err: unknown) => ({ error: String(err) }));
  logger.info('runWatchdog', { ...result, approvals, outbox, retries, usage, payouts, memory });
});
