import { AppError, notFound } from '../domain/errors.js';
import { validateAgainst } from '../domain/jsonSchema.js';
import type { Install } from '../domain/models.js';
import { getAgent } from './catalog.js';
import type { Deps, PageRequest } from './ports.js';
import { actorId, type WorkspaceAccess } from './principal.js';
import { newId } from './secrets.js';

/**
 * Minimal install: pins a published version on the managed target. The six-step wizard
 * (config schema, secrets, consent, triggers) builds on this in its own issue.
 */
export async function installAgent(
  deps: Pick<Deps, 'catalog' | 'installs' | 'clock'>,
  access: WorkspaceAccess,
  input: { agentId: string; version?: string | undefined; config?: Record<string, unknown> | undefined },
): Promise<Install> {
  const { listing } = await getAgent(deps, input.agentId);
  const version = input.version ?? listing.latestVersion;
  const manifest = await deps.catalog.getVersion(listing.id, version);
  if (!manifest) {
    throw new AppError('not_found', 'agent_version_not_found', `Version ${version} of ${listing.id} does not exist.`);
  }
  const config = input.config ?? {};
  const issues = validateAgainst(manifest.config, config, 'body.config');
  if (issues.length > 0) {
    throw new AppError('invalid', 'config_invalid', `The config does not match ${manifest.id}'s config schema: ${issues[0]!.path} ${issues[0]!.message}`, {
      issues,
    });
  }
  const install: Install = {
    id: newId(),
    wsId: access.wsId,
    agentId: listing.id,
    version,
    state: 'active',
    target: 'saas',
    config,
    createdBy: actorId(access.principal),
    createdAt: deps.clock.now(),
  };
  await deps.installs.create(install);
  return install;
}

export async function getInstall(deps: Pick<Deps, 'installs'>, wsId: string, installId: string): Promise<Install> {
  const install = await deps.installs.get(wsId, installId);
  if (!install) throw notFound('Install', 'install_not_found');
  return install;
}

export function listInstalls(deps: Pick<Deps, 'installs'>, wsId: string, page: PageRequest) {
  return deps.installs.list(wsId, page);
}
