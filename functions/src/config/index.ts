import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineInt, defineString } from 'firebase-functions/params';
import { z } from 'zod';

/**
 * Deploy-time parameters. Locally the start script writes them to
 * `functions/.env.<project>`; in production `firebase deploy` asks for them once.
 */
export const params = {
  region: defineString('REGION', { default: 'us-central1' }),
  executor: defineString('EXECUTOR', { default: 'cloud-run', description: 'cloud-run, or local (child processes, development only)' }),
  runnerApiUrl: defineString('RUNNER_API_URL', { description: 'Base URL of the API as seen from a run execution, ending in /v1/runner' }),
  leaseSeconds: defineInt('DISPATCH_LEASE_SECONDS', { default: 120 }),
  secrets: defineString('SECRETS', { default: 'secret-manager', description: 'secret-manager, or local (encrypted files under .local/, development only)' }),
};

export const ConfigSchema = z.object({
  projectId: z.string().min(1),
  region: z.string().min(1),
  executor: z.enum(['cloud-run', 'local']),
  runnerApiUrl: z.url(),
  leaseSeconds: z.number().int().min(10),
  secrets: z.enum(['secret-manager', 'local']),
  authEmulatorHost: z.string().optional(),
  /** Repository root, for the local executor (agents/ and runner/). */
  repoRoot: z.string(),
});
export type Config = z.infer<typeof ConfigSchema>;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let cached: Config | undefined;

/** Parsed once per instance, at first use (params are not readable at deploy analysis time). */
export function loadConfig(): Config {
  if (cached) return cached;
  const env = process.env;
  const projectId = env['GCLOUD_PROJECT'] ?? env['GOOGLE_CLOUD_PROJECT'] ?? JSON.parse(env['FIREBASE_CONFIG'] ?? '{}').projectId;
  const config = ConfigSchema.parse({
    projectId,
    region: params.region.value(),
    executor: params.executor.value(),
    runnerApiUrl: params.runnerApiUrl.value(),
    leaseSeconds: params.leaseSeconds.value(),
    secrets: params.secrets.value(),
    authEmulatorHost: env['FIREBASE_AUTH_EMULATOR_HOST'] || undefined,
    repoRoot,
  });
  assertSafeAuth(config);
  cached = config;
  return config;
}

/**
 * The Auth emulator signs nothing, and while FIREBASE_AUTH_EMULATOR_HOST is set
 * firebase-admin accepts unsigned tokens. Only a demo-* project may run that way.
 */
export function assertSafeAuth(config: Pick<Config, 'projectId' | 'authEmulatorHost'>): void {
  if (config.authEmulatorHost && !config.projectId.startsWith('demo-')) {
    throw new Error(
      `Refusing to start: FIREBASE_AUTH_EMULATOR_HOST is set for project "${config.projectId}". ` +
        'Unsigned emulator tokens would be accepted; use a demo-* project id locally.',
    );
  }
}
