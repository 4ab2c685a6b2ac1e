import { manifestSchema, type Manifest, type Risk } from '@agent-marketplace/contract/manifest';
import { schemaProblem } from './jsonSchema.js';

export { AgentId, CATEGORIES, Category, MemoryLevel, Risk, Scope, SemVer, type Manifest, type ManifestInput } from '@agent-marketplace/contract/manifest';

/**
 * The agent manifest as the platform validates a submission: the contract's schema, with
 * its inputs, outputs and config checked by a full JSON Schema compiler (ajv), which the
 * contract leaves out to stay dependency-free.
 */
export const ManifestSchema = manifestSchema(schemaProblem);

/** Permissions grouped by risk, for consent screens and the manifest viewer. */
export function permissionsByRisk(m: Manifest): Record<Risk, Manifest['permissions']> {
  const out: Record<Risk, Manifest['permissions']> = { low: [], medium: [], high: [], critical: [] };
  for (const p of m.permissions) out[p.risk].push(p);
  return out;
}
