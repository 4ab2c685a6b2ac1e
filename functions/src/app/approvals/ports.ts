import type { ApprovalImpact, ApprovalRule, AuditRecord, PlatformEvent } from '@agent-marketplace/contract';
import type { z } from 'zod';
import type { ApprovalCore } from '../../domain/approvals.js';
import type { AuditEntry, ChainHead } from './auditChain.js';
import type { Run } from '../../domain/models.js';
import type { Page, PageRequest } from '../shared/paging.js';

/** workspaces/{wsId}/approvals/{id}: one proposed gated action of a run, and what became of it. */
export interface StoredApproval extends ApprovalCore {
  id: string;
  wsId: string;
  runId: string;
  installId: string;
  agentId: string;
  agentVersion: string;
  /** The gated action proposed; null for an agent's own request (`request`). */
  action: { scope: string; kind: string; verb: string; resourceId: string; params: Record<string, unknown> } | null;
  /** An agent's own request (`ctx.approval.request`): its key in the run and the details it showed; null for a gated action. */
  request: { key: string; details: Record<string, unknown> } | null;
  summary: string;
  reason: string;
  risk: string;
  impact: z.output<typeof ApprovalImpact> | null;
  rule: ApprovalRule;
  /** The resource's recorded state when proposed (a fingerprint): a resource changed since is skipped, not acted on. */
  basis: string;
  result: { outcome: 'applied' | 'skipped' | 'failed'; reason: string | null; at: Date } | null;
  createdAt: Date;
}

export interface ApprovalFilter {
  state?: StoredApproval['state'] | undefined;
  installId?: string | undefined;
  runId?: string | undefined;
}

/** What one change of an approval writes besides it: log entries (hash-chained in order) and events for notifications. */
export interface ApprovalChange {
  next: StoredApproval;
  log: AuditEntry[];
  events: PlatformEvent[];
}

/** A workspace's approval figures since its first approval (kept by the store as blind increments). */
export interface ApprovalStats {
  pending: number;
  decided: number;
  approved: number;
  rejected: number;
  expired: number;
  escalated: number;
  /** Time from proposal to final decision (domain/runMetrics.ts buckets). */
  decisionHist: Record<string, number>;
}

export interface ApprovalStore {
  /**
   * Records a proposal with its log entry and events, and counts it on its run (pending and
   * total), in one transaction; `guard` sees the run as read and throws to refuse. A proposal
   * whose id exists already is answered as stored (`created` false): proposing is idempotent.
   */
  propose(proposal: StoredApproval, guard: (run: Run) => void, log: AuditEntry[], events: PlatformEvent[]): Promise<{ approval: StoredApproval; created: boolean }>;
  get(wsId: string, id: string): Promise<StoredApproval | null>;
  list(wsId: string, filter: ApprovalFilter, page: PageRequest): Promise<Page<StoredApproval>>;
  listByRun(wsId: string, runId: string): Promise<StoredApproval[]>;
  /**
   * Changes one approval in a transaction that also reads its run; `change` returns the
   * change, or null for none, or throws. An approval leaving `pending` drops the run's pending
   * count in the same transaction. Returns the approval and the run as they are after.
   */
  update(wsId: string, id: string, change: (approval: StoredApproval, run: Run | null) => ApprovalChange | null): Promise<{ approval: StoredApproval; run: Run | null; changed: boolean }>;
  /** Pending approvals due at `now` or before, across workspaces, oldest due first. */
  due(now: Date, limit: number): Promise<StoredApproval[]>;
  stats(wsId: string): Promise<ApprovalStats>;
  /** Chains log entries still queued for more than a while (a chainer died), across workspaces; how many workspaces it chained. */
  chainQueued(now: Date, limit?: number): Promise<number>;
  /** Log records after `after` (by seq), and the chain's head. */
  audit(wsId: string, after: number, limit: number): Promise<{ records: AuditRecord[]; head: ChainHead; start: ChainHead }>;
}
