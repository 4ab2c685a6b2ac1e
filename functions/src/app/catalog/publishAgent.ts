import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { AppError, type FieldIssue } from '../../domain/errors.js';
import { searchTokens, words } from '../../domain/catalogSearch.js';
import { inputShapeIssues } from '../../domain/inputShape.js';
import { ManifestSchema, type Manifest } from '../../domain/manifest.js';
import type { AgentListing } from '../../domain/models.js';
import type { Deps } from '../deps.js';

export const MAX_MANIFEST_BYTES = 64 * 1024;
/** Nesting allowed inside a manifest (its JSON Schemas): stored under a version, it stays well within Firestore's 20 levels. */
export const MAX_MANIFEST_DEPTH = 12;

/** Keys Firestore keeps for itself (`__name__`) or cannot store (empty), with their paths. */
function reservedKeyIssues(value: unknown, path = 'manifest', out: FieldIssue[] = []): FieldIssue[] {
  if (value === null || typeof value !== 'object' || out.length >= 20) return out;
  for (const [k, v] of Object.entries(value)) {
    if (!Array.isArray(value) && (k === '' || /^__.*__$/.test(k))) out.push({ path: `${path}.${k}`, message: 'is a reserved or empty key', code: 'reserved_key' });
    else reservedKeyIssues(v, `${path}.${k}`, out);
  }
  return out;
}

/** The YAML node at a zod path, for line numbers in errors. */
function nodeAt(root: Node | null, path: PropertyKey[]): Node | null {
  let node: unknown = root;
  let found: Node | null = root;
  for (const key of path) {
    if (isMap(node)) node = node.get(String(key), true);
    else if (isSeq(node)) node = node.get(Number(key), true);
    else break;
    if (node && typeof node === 'object' && 'range' in (node as object)) found = node as Node;
    else break;
  }
  return found;
}

/**
 * Parses and validates an `agent.yaml`. Every problem is reported at its YAML path with its
 * line, and nothing is stored unless all of it is valid.
 */
export function parseManifest(yamlText: string): Manifest {
  if (Buffer.byteLength(yamlText) > MAX_MANIFEST_BYTES) {
    throw new AppError('too_large', 'manifest_too_large', `agent.yaml exceeds ${MAX_MANIFEST_BYTES} bytes.`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues: FieldIssue[] = doc.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}` : '(document)',
      message: e.message.split('\n')[0] ?? e.message,
      code: e.code,
    }));
    throw new AppError('invalid', 'manifest_yaml_invalid', `agent.yaml is not valid YAML: ${issues[0]!.message}`, { issues });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    // An alias to no anchor, or past the alias budget (a "billion laughs"), fails only here.
    throw new AppError('invalid', 'manifest_yaml_invalid', `agent.yaml is not valid YAML: ${(err as Error).message}`, { issues: [{ path: '(document)', message: (err as Error).message }] });
  }
  // What Firestore would refuse when the version is stored (a lone surrogate, nesting past its
  // limit) is refused here, with its path, instead of failing the write.
  // Depth first: an alias cycle (`&a [*a]`) makes a circular value, which only the bounded walk survives.
  const deep = inputShapeIssues(value, 'manifest', MAX_MANIFEST_DEPTH);
  const shape = deep.length > 0 ? deep : reservedKeyIssues(value);
  if (shape.length > 0) {
    throw new AppError('invalid', 'manifest_invalid', `agent.yaml has ${shape.length} problem(s): ${shape.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues: shape });
  }
  const result = ManifestSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => {
      const node = nodeAt(doc.contents, i.path);
      const line = node?.range ? lines.linePos(node.range[0]).line : undefined;
      return { path: i.path.map(String).join('.') || '(root)', message: line ? `${i.message} (line ${line})` : i.message, code: i.code };
    });
    throw new AppError(
      'invalid',
      'manifest_invalid',
      `agent.yaml has ${issues.length} problem(s): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { issues },
    );
  }
  return result.data;
}

export function listingOf(manifest: Manifest, now: Date): AgentListing {
  const fields = [manifest.name, manifest.summary, manifest.publisher, ...manifest.tags, ...manifest.categories];
  return {
    id: manifest.id,
    name: manifest.name,
    nameKey: manifest.name.toLowerCase(),
    publisher: manifest.publisher,
    summary: manifest.summary,
    categories: manifest.categories,
    tags: manifest.tags,
    latestVersion: manifest.version,
    pricingModel: manifest.pricing.model,
    pricing: { model: manifest.pricing.model, amountCents: manifest.pricing.amountCents, currency: manifest.pricing.currency, unit: manifest.pricing.unit ?? null },
    state: 'published',
    installCount: 0,
    ratingAvg: 0,
    ratingCount: 0,
    ratingSum: 0,
    searchTokens: searchTokens(fields),
    searchWords: [...new Set(fields.flatMap(words))].sort(),
    publishedAt: now,
    updatedAt: now,
  };
}

/** Publishes a validated manifest (with its YAML text) as the agent's latest version. */
export async function publishAgent(deps: Pick<Deps, 'catalog' | 'clock'>, manifest: Manifest, yaml: string): Promise<AgentListing> {
  const listing = listingOf(manifest, deps.clock.now());
  await deps.catalog.publish(listing, manifest, yaml);
  return listing;
}
