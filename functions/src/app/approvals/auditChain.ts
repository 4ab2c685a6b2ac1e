import type { AuditRecord } from '@agent-marketplace/contract/approvals';
import { auditHashInput, checkChain, GENESIS_HASH } from '@agent-marketplace/contract/auditHash';
import { sha256 } from '../shared/credentials.js';

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

/** Checks records in order from `start` (the head before the first of them): contract/src/auditHash.ts checkChain with Node's SHA-256. */
export const verifyChain = (records: readonly AuditRecord[], start: ChainHead = EMPTY_HEAD) => checkChain(records, start, sha256);
