import type { AuditRecord } from '@agent-marketplace/contract/approvals';
import { auditHashInput, GENESIS_HASH } from '@agent-marketplace/contract/auditHash';

/**
 * Checks an exported approval log (GET /v1/workspaces/{ws}/approvals:audit) on the reader's
 * side, with nothing but the records: each record's hash must be the SHA-256 of the previous
 * hash and its own content (contract/src/approvals.ts), and the sequence must have no gap.
 * Pass the record before the first one as `start` when checking a later page.
 */
export async function verifyApprovalLog(
  records: readonly AuditRecord[],
  start: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): Promise<{ ok: true; checked: number } | { ok: false; brokenAt: number; reason: string }> {
  let prev = start;
  for (const r of records) {
    if (r.seq !== prev.seq + 1) return { ok: false, brokenAt: r.seq, reason: `record ${r.seq} follows ${prev.seq}: a record is missing or out of order` };
    if (r.prevHash !== prev.hash) return { ok: false, brokenAt: r.seq, reason: `record ${r.seq} does not carry the hash of record ${prev.seq}` };
    if ((await sha256Hex(auditHashInput(r))) !== r.hash) return { ok: false, brokenAt: r.seq, reason: `record ${r.seq} does not match its hash: it was changed` };
    prev = { seq: r.seq, hash: r.hash };
  }
  return { ok: true, checked: records.length };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
