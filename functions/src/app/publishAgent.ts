import { parse as parseYaml, YAMLParseError } from 'yaml';
import { AppError } from '../domain/errors.js';
import { ManifestSchema, type Manifest } from '../domain/manifest.js';
import type { AgentListing } from '../domain/models.js';
import type { Deps } from './ports.js';

/** Parses and validates an `agent.yaml`; every problem is reported at its path, nothing is stored. */
export function parseManifest(yamlText: string): Manifest {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText, { prettyErrors: true, maxAliasCount: 50 });
  } catch (err) {
    const message = err instanceof YAMLParseError ? err.message : String(err);
    throw new AppError('invalid', 'manifest_yaml_invalid', `agent.yaml is not valid YAML: ${message}`);
  }
  const result = ManifestSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message, code: i.code }));
    throw new AppError('invalid', 'manifest_invalid', `agent.yaml has ${issues.length} problem(s): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      issues,
    });
  }
  return result.data;
}

/** Publishes a validated manifest as the agent's latest version. */
export async function publishAgent(deps: Pick<Deps, 'catalog' | 'clock'>, manifest: Manifest): Promise<AgentListing> {
  const listing: AgentListing = {
    id: manifest.id,
    name: manifest.name,
    publisher: manifest.publisher,
    summary: manifest.summary,
    categories: manifest.categories,
    tags: manifest.tags,
    latestVersion: manifest.version,
    pricingModel: manifest.pricing.model,
    state: 'published',
    installCount: 0,
    ratingAvg: 0,
    ratingCount: 0,
    updatedAt: deps.clock.now(),
  };
  await deps.catalog.publish(listing, manifest);
  return listing;
}
