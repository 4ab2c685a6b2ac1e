/**
 * What the approval log's hashes cover (contract/src/approvals.ts AuditRecord). Free of zod, so
 * the client package can verify a log without loading schemas.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth: one text per value, so a hash is reproducible. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** What the hash of a record covers: the previous hash and the record without its own hash. */
export function auditHashInput(record: { prevHash: string; hash?: string } & Record<string, unknown>): string {
  const { hash: _hash, ...rest } = record;
  return `${record.prevHash}\n${canonicalJson(rest)}`;
}

export interface ChainCheck {
  ok: boolean;
  /** Records that verified before the first that did not. */
  checked: number;
  brokenAt: number | null;
  reason: string | null;
}

/**
 * Checks log records in order from `start` (the seq and hash of the record before the first):
 * no gap in `seq`, each `prevHash` the hash before it, each `hash` its own content's. The hash
 * function is the caller's (Node's crypto on the server, WebCrypto in a browser).
 */
export async function checkChain(
  records: readonly ({ seq: number; prevHash: string; hash: string } & Record<string, unknown>)[],
  start: { seq: number; hash: string },
  sha256Hex: (text: string) => string | Promise<string>,
): Promise<ChainCheck> {
  let prev = start;
  for (const [i, r] of records.entries()) {
    const broken = (reason: string): ChainCheck => ({ ok: false, checked: i, brokenAt: r.seq, reason });
    if (r.seq !== prev.seq + 1) return broken(`record ${r.seq} follows ${prev.seq}: a record is missing or out of order`);
    if (r.prevHash !== prev.hash) return broken(`record ${r.seq} does not carry the hash of record ${prev.seq}`);
    if ((await sha256Hex(auditHashInput(r))) !== r.hash) return broken(`record ${r.seq} does not match its hash: it was changed`);
    prev = { seq: r.seq, hash: r.hash };
  }
  return { ok: true, checked: records.length, brokenAt: null, reason: null };
}
