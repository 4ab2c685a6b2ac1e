import { createHash } from 'node:crypto';
import type { AuditRecord } from '@agent-marketplace/contract/approvals';
import { auditHashInput, GENESIS_HASH } from '@agent-marketplace/contract/auditHash';

/**
 * The approval log's hash chain: each record carries the hash of the one before it, so an
 * edited, removed or reordered record breaks every hash after it (contract/src/approvals.ts
 * says exactly what is hashed; the client package's verifyApprovalLog repeats the check).
 */
export type AuditEntry = Omit<AuditRecord, 'seq' | 'at' | 'prevHash' | 'hash'>;

export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Entries (each with when it happened) appended after `head`: the records to store and the new head. */
export function appendEntries(head: ChainHead, entries: readonly { entry: AuditEntry; at: string }[]): { records: AuditRecord[]; head: ChainHead } {
  const records: AuditRecord[] = [];
  let { seq, hash } = head;
  for (const { entry, at } of entries) {
    const unsigned = { ...entry, seq: seq + 1, at, prevHash: hash };
    const record: AuditRecord = { ...unsigned, hash: sha256(auditHashInput(unsigned)) };
    records.push(record);
    ({ seq, hash } = record);
  }
  return { records, head: { seq, hash } };
}

export interface Verification {
  ok: boolean;
  checked: number;
  brokenAt: number | null;
  reason: string | null;
}

/** Checks records in order from `start` (the head before the first of them). */
export function verifyChain(records: readonly AuditRecord[], start: ChainHead = EMPTY_HEAD): Verification {
  let prev = start;
  for (const [i, r] of records.entries()) {
    const broken = (reason: string): Verification => ({ ok: false, checked: i, brokenAt: r.seq, reason });
    if (r.seq !== prev.seq + 1) return broken(`record ${r.seq} follows ${prev.seq}: a record is missing or out of order`);
    if (r.prevHash !== prev.hash) return broken(`record ${r.seq} does not carry the hash of record ${prev.seq}`);
    if (sha256(auditHashInput(r)) !== r.hash) return broken(`record ${r.seq} does not match its hash: it was changed`);
    prev = { seq: r.seq, hash: r.hash };
  }
  return { ok: true, checked: records.length, brokenAt: null, reason: null };
}
