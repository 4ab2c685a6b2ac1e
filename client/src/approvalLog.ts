import type { AuditRecord } from '@agent-marketplace/contract/approvals';
import { checkChain, GENESIS_HASH } from '@agent-marketplace/contract/auditHash';

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
  const check = await checkChain(records, start, sha256Hex);
  return check.ok ? { ok: true, checked: check.checked } : { ok: false, brokenAt: check.brokenAt!, reason: check.reason! };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
