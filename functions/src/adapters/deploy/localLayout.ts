import path from 'node:path';
import { AppError } from '../../domain/errors.js';

/**
 * Where local builds live, shared by the local deployer (which writes them) and the local
 * executor (which runs them): `<buildsRoot>/<agentId>/<version>/`, the bundle's files plus the
 * platform's own folder, `.platform/bundle.json` (which bundle it holds) and `.platform/job.json`
 * (deployed). A bundle may not bring that folder itself.
 */
export const PLATFORM_DIR = '.platform';
export const BUNDLE_MARKER = path.join(PLATFORM_DIR, 'bundle.json');
export const JOB_MARKER = path.join(PLATFORM_DIR, 'job.json');

/** Agent ids and versions become folder names: one safe path segment each. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** The folder of a version's build; ids are checked, as they become a path. */
export function versionDir(buildsRoot: string, agentId: string, version: string): string {
  for (const [what, value] of [['agent id', agentId], ['version', version]] as const) {
    if (!SEGMENT.test(value) || value.includes('..')) throw new AppError('invalid', 'build_request_invalid', `Not a usable ${what}: ${JSON.stringify(value)}.`);
  }
  return path.join(buildsRoot, agentId, version);
}
