import path from 'node:path';
import { FirebaseIdTokenVerifier, FirebaseUserDirectory } from '../adapters/auth/firebaseAuth.js';
import { CloudRunJobExecutor } from '../adapters/executor/cloudRun.js';
import { LocalProcessExecutor } from '../adapters/executor/local.js';
import { FirestoreApiKeyStore } from '../adapters/firestore/apiKeys.js';
import { FirestoreCatalogStore } from '../adapters/firestore/catalog.js';
import { FirestoreIdempotencyStore } from '../adapters/firestore/idempotency.js';
import { FirestoreInstallStore } from '../adapters/firestore/installs.js';
import { FirestoreRunStore } from '../adapters/firestore/runs.js';
import { FirestoreWorkspaceStore } from '../adapters/firestore/workspaces.js';
import { CloudTasksDispatchQueue } from '../adapters/tasks/dispatchQueue.js';
import type { IdTokenVerifier } from '../api/authenticate.js';
import type { Deps, Executor } from '../app/ports.js';
import { loadConfig, type Config } from '../config/index.js';

function executorFor(config: Config): Executor {
  if (config.executor === 'local') {
    return new LocalProcessExecutor({
      agentsDir: path.join(config.repoRoot, 'agents'),
      runnerMain: path.join(config.repoRoot, 'runner', 'lib', 'main.js'),
      logDir: path.join(config.repoRoot, '.local', 'executions', config.projectId),
    });
  }
  return new CloudRunJobExecutor({ projectId: config.projectId, region: config.region });
}

let deps: { deps: Deps; verifier: IdTokenVerifier } | undefined;

/** The composition root: one set of adapters per instance, built on first use. */
export function getDeps(): { deps: Deps; verifier: IdTokenVerifier } {
  if (deps) return deps;
  const config = loadConfig();
  const clock = { now: () => new Date() };
  deps = {
    verifier: new FirebaseIdTokenVerifier(),
    deps: {
      clock,
      workspaces: new FirestoreWorkspaceStore(),
      apiKeys: new FirestoreApiKeyStore(),
      catalog: new FirestoreCatalogStore(),
      installs: new FirestoreInstallStore(),
      runs: new FirestoreRunStore(clock.now),
      idempotency: new FirestoreIdempotencyStore(clock.now),
      dispatchQueue: new CloudTasksDispatchQueue(config.region),
      executor: executorFor(config),
      users: new FirebaseUserDirectory(),
      config: { runnerApiUrl: config.runnerApiUrl, leaseSeconds: config.leaseSeconds },
    },
  };
  return deps;
}
