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
