import { z } from 'zod';
import { Timestamp } from './common.js';

/**
 * Platform events: what happened to a run or an approval, published to the `run-events`
 * Pub/Sub topic and delivered to a workspace's notification channels (email, Slack, signed
 * webhooks). Delivery is at least once: `id` is stable for one fact, so consumers dedupe on it.
 */
export const EventType = z.enum([
  'approval.requested',
  'approval.escalated',
  'approval.decided',
  'approval.expired',
  'run.awaiting_approval',
  'run.failed',
  'run.timed_out',
  /** A run that succeeded after one or more retried attempts. */
  'run.succeeded_after_retries',
]);
export type EventType = z.infer<typeof EventType>;

export const PlatformEvent = z
  .object({
    /** Stable per fact (`run:<runId>:<eventSeq>`, `approval:<approvalId>:<logSeq>`): the dedupe key. */
    id: z.string().regex(/^[A-Za-z0-9:._-]{1,200}$/),
    type: EventType,
    wsId: z.string(),
    occurredAt: Timestamp,
    /** What it is about; the ids a receiver needs to link back. */
    subject: z
      .object({
        runId: z.string().optional(),
        installId: z.string().optional(),
        agentId: z.string().optional(),
        approvalId: z.string().optional(),
      })
      .strict(),
    /** A one-line human summary ("vm.stop on vm-1 needs an approval (level 1 of 2)"). */
    summary: z.string().max(500),
    /** Type-specific facts (a decision, an error code, a due time); never secrets. */
    data: z.record(z.string(), z.unknown()),
  })
  .strict()
  .meta({ id: 'PlatformEvent' });
export type PlatformEvent = z.output<typeof PlatformEvent>;
