import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpOk, portInUse, startProcess, waitUntil, type Managed } from './processes.ts';
import { contentSecurityPolicy, CSP_HEADER } from './contentSecurityPolicy.ts';
import { PROFILES, urlsOf, type Profile, type StackUrls } from './profiles.ts';
import { findStackProcesses, signalAll, STACK_ENV, stackId, stackKey, stackOwner, stopStackProcesses } from './stackProcesses.ts';
import { detectToolchain, type Toolchain } from './toolchain.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodeBin = path.join(repoRoot, 'node_modules', '.bin');

export interface Stack {
  profile: Profile;
  urls: StackUrls;
  toolchain: Toolchain;
  /** Which local part stands in for each Google service. */
  parts: Record<string, string>;
  /** Environment for clients of this stack (admin SDK, tests, seeding). */
  clientEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A firebase config per profile (`firebase.<profile>.json`, not committed): the profile's
 * ports, and Hosting serving this profile's copy of the web build, so two stacks (and a
 * rebuild of web/dist) never overwrite each other's app config.
 */
function writeFirebaseConfig(profile: Profile, webDir: string): string {
  const config = JSON.parse(readFileSync(path.join(repoRoot, 'firebase.json'), 'utf8')) as {
    functions: { source: string; predeploy?: string[] }[];
    emulators: Record<string, { port?: number }>;
    hosting: { public: string; headers: { source: string; headers: { key: string; value: string }[] }[] };
  };
  // Deploys upload the packed copy (scripts/deploy/packFunctions.ts); the emulator runs functions/ itself.
  for (const codebase of config.functions) {
    codebase.source = 'functions';
    delete codebase.predeploy;
  }
  for (const [name, port] of Object.entries(profile.ports)) {
    const entry = config.emulators[name];
    if (entry) entry.port = port;
  }
  config.hosting.public = path.relative(repoRoot, webDir);
  // The app talks to this profile's Auth and Firestore emulators: the policy lets it.
  const urls = urlsOf(profile);
  for (const header of config.hosting.headers.flatMap((h) => h.headers)) {
    if (header.key === CSP_HEADER) header.value = contentSecurityPolicy({ auth: urls.auth, firestore: urls.firestore });
  }
  const file = path.join(repoRoot, `firebase.${profile.name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** The test and bench stacks reach a stand-in of the cloud providers; `npm start` the real ones (unreachable here: the sandbox is the local cloud). */
const usesCloudStandIn = (profile: Profile) => profile.name === 'test' || profile.name === 'bench';

/** The run engine's settings on every local stack (the params' production defaults). */
const ENGINE_PARAMS: Record<string, string> = {
  // The Cloud Run executor's identity and network; the local executor uses neither.
  RUNNER_SERVICE_ACCOUNT: '',
  RUNNER_VPC_NETWORK: 'agent-runners',
  RUNNER_VPC_SUBNETWORK: 'agent-runners',
  // Connected clouds: the real providers (unreachable here) unless a stand-in is named.
  CLOUD_API_ROOT: '',
  DISPATCHER_SERVICE_ACCOUNT: '',
  AWS_PLATFORM_PRINCIPAL_ARN: 'arn:aws:iam::000000000000:role/agent-marketplace-broker',
  DISPATCH_LEASE_SECONDS: '120',
  HEARTBEAT_TIMEOUT_SECONDS: '120',
  RUNNER_HEARTBEAT_SECONDS: '15',
  QUEUED_TIMEOUT_SECONDS: '600',
  START_TIMEOUT_SECONDS: '600',
  TIMEOUT_GRACE_SECONDS: '30',
  LOG_MAX_LINES: '250000',
  LOG_MAX_MIB: '64',
  MAX_RUN_STREAMS_PER_USER: '10',
  MAX_WORKSPACES_PER_USER: '20',
  MAX_OPEN_API_KEYS_PER_WORKSPACE: '50',
  ANON_SEARCH_LIMIT: '120',
  ANON_SEARCH_WINDOW_SECONDS: '60',
  // The emulators append nothing to X-Forwarded-For: the rightmost entry is the client's own.
  CLIENT_IP_HOPS: '1',
  // Notifications: plain http and 127.0.0.1 written literally in a URL are allowed locally only
  // (test receivers listen there); a name resolving to it is still refused.
  NOTIFY_ALLOWED_HOSTS: '127.0.0.1',
  NOTIFY_ALLOW_HTTP: 'true',
  NOTIFY_EMAIL_FROM: 'Agent Marketplace <notifications@agent-marketplace.test>',
  NOTIFY_SLACK_HOSTS: 'hooks.slack.com',
  NOTIFY_RETRY_BASE_SECONDS: '30',
  NOTIFY_RETRY_WINDOW_SECONDS: '86400',
};

/**
 * The test stack presumes a runner dead after 10 s of silence, so the crash tests finish
 * quickly, caps a run's log at 5,000 lines, so the flood test hits the cap well inside
 * the probe's timeout, lets a user hold 3 run streams, so the bound is reached cheaply, and
 * sets limits small enough for their tests to reach.
 */
const TEST_PARAMS: Record<string, string> = {
  HEARTBEAT_TIMEOUT_SECONDS: '10',
  RUNNER_HEARTBEAT_SECONDS: '2',
  TIMEOUT_GRACE_SECONDS: '3',
  LOG_MAX_LINES: '5000',
  MAX_RUN_STREAMS_PER_USER: '3',
  // Small limits the limit tests reach (test/api/limits.test.ts); no other test comes near them.
  MAX_WORKSPACES_PER_USER: '6',
  MAX_OPEN_API_KEYS_PER_WORKSPACE: '4',
  ANON_SEARCH_LIMIT: '150',
  // The Cloud Tasks emulator ignores schedule times (retries follow at once): a 5-minute window
  // keeps a failing test receiver to 5 attempts.
  NOTIFY_RETRY_WINDOW_SECONDS: '300',
};

/** The local values of the functions' secrets (`functions/.secret.local`): nothing real. */
export const LOCAL_SECRETS = {
  STRIPE_SECRET_KEY: 'sk_local_unused',
  STRIPE_WEBHOOK_SECRET: 'whsec_local_agent_marketplace',
  // Unused: the local stack embeds offline (MEMORY_EMBEDDINGS_URL is empty).
  MEMORY_EMBEDDINGS_API_KEY: 'unused-local',
} as const;

/**
 * Deploy-time params of the functions, for this local project (`functions/.env.<project>`).
 * Every param is written: the Functions emulator saves any it must default into
 * `functions/.env.local`, which then overrides every project's file, so that file is removed.
 */
function writeFunctionsEnv(profile: Profile, urls: StackUrls): void {
  const params: Record<string, string> = {
    REGION: profile.region,
    EXECUTOR: 'local',
    SECRETS: 'local',
    RUNNER_API_URL: urls.runnerApi,
    LOCAL_AGENT_DIRS: profile.agentDirs.join(','),
    ...ENGINE_PARAMS,
    // Google's client libraries probe the metadata server (169.254.169.254) to see if they run on
    // Google Cloud; a local stack never does, and sends nothing off the machine.
    METADATA_SERVER_DETECTION: 'none',
    // Billing: the local stand-in (docs/billing.md), its pages and our webhook on this emulator.
    BILLING: 'local',
    LOCAL_BILLING_URL: urls.functionsBase,
    APP_URL: urls.web,
    // The stand-in's own plan prices (adapters/billing/localProvider.ts LOCAL_PLAN_PRICES); production sets Stripe's.
    STRIPE_PRICE_TEAM: 'price_local_plan_team',
    STRIPE_PRICE_ENTERPRISE: 'price_local_plan_enterprise',
    // Revenue share and payouts as in production (80 %, $10.00 minimum); revenue settles as soon
    // as its invoice is paid locally (production waits a refund window).
    PUBLISHER_SHARE_BPS: '8000',
    PAYOUT_MINIMUM_MINOR: '1000',
    PAYOUT_SETTLEMENT_SECONDS: '0',
    // Publishing (docs/publishing.md): bundles under .local/blobs (no Cloud Storage emulator runs
    // here), uploaded through this emulator's localUploads function.
    BLOBS: 'local',
    BLOBS_BUCKET: '',
    LOCAL_UPLOADS_URL: urls.functionsBase,
    // Builds are local too (.local/builds, run by the local executor); these name production's.
    BUILD_REPOSITORY: 'agents',
    RUNNER_BASE_IMAGE: '',
    // Agent memory embeds offline, with the local embedder (docs/memory.md "Embeddings").
    MEMORY_EMBEDDINGS_URL: '',
    MEMORY_EMBEDDINGS_MODEL: 'text-embedding-3-small',
    MEMORY_EMBEDDING_DIMENSIONS: '1536',
    BUILD_SERVICE_ACCOUNT: '',
    NOTIFY_SMTP_HOST: '127.0.0.1',
    NOTIFY_SMTP_PORT: String(profile.ports.smtp),
    ...(profile.name === 'test' ? TEST_PARAMS : {}),
    // Connected clouds reach the providers' stand-in on the test and bench stacks (docs/cloud-connections.md).
    ...(usesCloudStandIn(profile) ? { CLOUD_API_ROOT: urls.cloudStandIn } : {}),
  };
  const lines = ['# Written by scripts/lib/stack.ts for the local stack; not committed.', ...Object.entries(params).map(([k, v]) => `${k}=${v}`), ''];
  writeFileSync(path.join(repoRoot, 'functions', `.env.${profile.projectId}`), lines.join('\n'));
  // Secrets the functions bind (defineSecret): the emulator reads them from here, never from
  // Secret Manager. The stand-in needs no Stripe key; the webhook secret signs its events.
  writeFileSync(path.join(repoRoot, 'functions', '.secret.local'), Object.entries(LOCAL_SECRETS).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  rmSync(path.join(repoRoot, 'functions', '.env.local'), { force: true });
}

/**
 * Run executions are detached child processes of the Functions emulator (as Cloud Run jobs
 * outlive the function that starts them), so stopping the emulators leaves them behind. Most
 * exit once the API is gone; one spinning in a loop never would. This stack's are found by the
 * runner API URL in their environment and killed.
 */
function killExecutions(urls: StackUrls): void {
  const runnerMain = path.join(repoRoot, 'runner', 'dist', 'runner.js');
  const marker = `RUNNER_API_URL=${urls.runnerApi}`;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return; // no /proc: not Linux
  }
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(runnerMain)) continue;
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) continue;
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

/** Copies the web build for this profile and writes what the app reads at start: the project and the emulators. */
function prepareWeb(profile: Profile): string {
  const dist = path.join(repoRoot, 'web', 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error('web/dist is missing: run `npm run build` first.');
  const webDir = path.join(repoRoot, '.local', profile.name, 'web');
  rmSync(webDir, { recursive: true, force: true });
  cpSync(dist, webDir, { recursive: true });
  const config = {
    firebase: { apiKey: 'demo-api-key', authDomain: `${profile.projectId}.firebaseapp.com`, projectId: profile.projectId },
    emulators: {
      auth: `http://127.0.0.1:${profile.ports.auth}`,
      firestore: { host: '127.0.0.1', port: profile.ports.firestore },
    },
    // Local only: where the settings page links to see captured notification email.
    mailbox: urlsOf(profile).mailbox,
  };
  writeFileSync(path.join(webDir, 'app-config.json'), JSON.stringify(config, null, 2));
  return webDir;
}

function waitFirestore(urls: StackUrls, owner: Managed, signal: AbortSignal | undefined): Promise<void> {
  return waitUntil(
    'Firestore emulator',
    async () => {
      const res = await fetch(`${urls.firestore}/`, { signal: AbortSignal.timeout(1000) });
      return (await res.text()).trim() === 'Ok';
    },
    { timeoutMs: 90_000, process: owner, signal },
  );
}

/**
 * A stack of this checkout and profile whose starter is gone (kill -9, a crash) holds its ports
 * until stopped: stop it, saying so in one line. One whose starter still runs is left alone.
 */
async function stopStackLeftBehind(key: string, profile: Profile, urls: StackUrls, log: (line: string) => void): Promise<void> {
  const left = findStackProcesses({ key }).filter((p) => !stackOwner(p.id).alive);
  if (left.length === 0) return;
  const owners = [...new Set(left.map((p) => stackOwner(p.id).pid))];
  for (const id of new Set(left.map((p) => p.id))) await stopStackProcesses({ id });
  killExecutions(urls);
  log(`stopped a ${profile.name} stack of this checkout left running by an earlier start that is gone (pid ${owners.join(', ')}): ${left.length} processes`);
}

/** Runs the seed script against the stack; a stop signal kills it. */
function seed(profile: Profile, env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<void> {
  const child = spawn(path.join(nodeBin, 'node'), [path.join(repoRoot, 'scripts', 'seed.ts'), ...profile.agentDirs], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
    signal,
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => (code === 0 ? resolve() : reject(new Error(`seeding the catalog failed (${sig ?? `exit code ${code}`})`))));
  });
}

/**
 * Runs a scheduled function once, as Cloud Scheduler would (there is no scheduler emulator):
 * the schedule tick, or the run watchdog.
 */
export async function tickScheduler(urls: StackUrls, which: 'schedules' | 'watchdog' = 'schedules'): Promise<void> {
  const res = await fetch(which === 'schedules' ? urls.schedulerTick : urls.watchdogTick, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      specversion: '1.0',
      id: `tick-${Date.now()}`,
      source: '//cloudscheduler.googleapis.com/local',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      data: { message: { data: '', messageId: String(Date.now()) } },
    }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${which} tick: HTTP ${res.status}`);
}

export interface StartOptions {
  seed?: boolean;
  log?: (line: string) => void;
  /** Aborting it (Ctrl-C during start-up) stops what was started so far; startStack then rejects. */
  signal?: AbortSignal;
}

export async function startStack(name: Profile['name'], options: StartOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => undefined);
  const profile = PROFILES[name];
  const urls = urlsOf(profile);
  const toolchain = detectToolchain();
  const logDir = path.join(repoRoot, '.local', profile.name, 'logs');
  mkdirSync(logDir, { recursive: true });

  // Every process this stack starts, and all they start, carry its id (see stackProcesses.ts).
  const key = stackKey(repoRoot, profile);
  const id = stackId(key);
  await stopStackLeftBehind(key, profile, urls, log);
  for (const [service, port] of Object.entries(profile.ports)) {
    if (await portInUse(port)) {
      const running = findStackProcesses({ key })[0];
      const owner = running ? ` (a ${profile.name} stack of this checkout, started by pid ${stackOwner(running.id).pid})` : '';
      throw new Error(`Port ${port} (${service}) is already in use${owner}. Is another ${profile.name} stack running? Stop it first.`);
    }
  }
  options.signal?.throwIfAborted();

  if (!existsSync(path.join(repoRoot, 'functions', 'lib', 'index.js')) || !existsSync(path.join(repoRoot, 'runner', 'dist', 'runner.js'))) {
    throw new Error('functions/lib or runner/dist is missing: run `npm run build` first.');
  }
  writeFunctionsEnv(profile, urls);
  const configFile = writeFirebaseConfig(profile, prepareWeb(profile));
  const { signal } = options;
  const ownEnv: NodeJS.ProcessEnv = { ...process.env, [STACK_ENV]: id };

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.off('exit', killOnExit);
      await stopStackProcesses({ id });
      killExecutions(urls);
    })();
    return stopped;
  };
  // If the owner exits without stopping the stack (a crash, process.exit), take the stack with it.
  // Synchronous, as 'exit' requires: SIGTERM only (firebase-tools still stops its emulators);
  // anything that survives is stopped by the next start (stopStackLeftBehind).
  const killOnExit = () => {
    signalAll(
      findStackProcesses({ id }).map((p) => p.pid),
      'SIGTERM',
    );
    killExecutions(urls);
  };
  process.on('exit', killOnExit);

  try {
    // 1. The official Firestore emulator from the Cloud SDK, with our rules loaded
    //    (or, without it but with Java 21+, firebase-tools' own, started in step 2).
    if (toolchain.firestoreEmulator) {
      log(`starting the Firestore emulator on ${urls.firestoreHost}`);
      const firestore = startProcess(
        'firestore',
        toolchain.firestoreEmulator,
        [
          'start',
          '--host=127.0.0.1',
          `--port=${profile.ports.firestore}`,
          `--rules=${path.join(repoRoot, 'firestore.rules')}`,
          `--project_id=${profile.projectId}`,
        ],
        { cwd: repoRoot, env: ownEnv, logDir },
      );
      await waitFirestore(urls, firestore, signal);
    }

    // 2. The SMTP outbox notification email goes to (nothing leaves the machine).
    log(`starting the SMTP outbox on ${urls.smtp} (messages at ${urls.mailbox}/messages)`);
    const mail = startProcess(
      'mail',
      path.join(nodeBin, 'node'),
      [path.join(repoRoot, 'scripts', 'lib', 'mailOutbox.ts'), String(profile.ports.smtp), String(profile.ports.mail), path.join(repoRoot, '.local', profile.name, 'outbox')],
      { cwd: repoRoot, env: ownEnv, logDir },
    );
    await waitUntil('SMTP outbox', () => httpOk(`${urls.mailbox}/health`), { timeoutMs: 30_000, process: mail, signal });

    // The providers' stand-in, which the test and bench stacks' connected clouds reach.
    if (usesCloudStandIn(profile)) {
      log(`starting the cloud providers' stand-in on ${urls.cloudStandIn}`);
      const cloud = startProcess('cloud', path.join(nodeBin, 'node'), [path.join(repoRoot, 'scripts', 'lib', 'cloudStandIn.ts'), String(profile.ports.cloud)], { cwd: repoRoot, env: ownEnv, logDir });
      await waitUntil('cloud stand-in', () => httpOk(`${urls.cloudStandIn}/health`), { timeoutMs: 30_000, process: cloud, signal });
    }

    // 3. firebase-tools: Auth, Functions, Cloud Tasks, Pub/Sub (the SDK's binary), Hosting.
    log('starting the Firebase emulators (auth, functions, tasks, pubsub, hosting)');
    const env: NodeJS.ProcessEnv = {
      ...ownEnv,
      PATH: `${nodeBin}${path.delimiter}${process.env['PATH'] ?? ''}`,
      FIRESTORE_EMULATOR_HOST: urls.firestoreHost,
      ...(toolchain.pubsubEmulator ? { PUBSUB_EMULATOR_BINARY_PATH: toolchain.pubsubEmulator } : {}),
      NO_UPDATE_NOTIFIER: '1',
      FIREBASE_CLI_EXPERIMENTS: '',
      // firebase-tools creates the Pub/Sub topics of triggers with Google's client, which would probe the metadata server.
      METADATA_SERVER_DETECTION: 'none',
    };
    const firebase = startProcess(
      'firebase',
      path.join(nodeBin, 'firebase'),
      [
        'emulators:start',
        '--only',
        toolchain.firestoreEmulator ? 'auth,functions,tasks,pubsub,hosting' : 'firestore,auth,functions,tasks,pubsub,hosting',
        '--project',
        profile.projectId,
        '--config',
        configFile,
      ],
      { cwd: repoRoot, env, logDir },
    );
    await waitUntil('Functions emulator (api health)', () => httpOk(`${urls.functionsApi}/health`), { timeoutMs: 180_000, process: firebase, signal });
    await waitUntil('Hosting emulator', () => httpOk(`${urls.web}/`), { timeoutMs: 60_000, process: firebase, signal });
    await waitUntil('Auth emulator', () => httpOk(`${urls.auth}/`), { timeoutMs: 30_000, process: firebase, signal });
    if (!toolchain.firestoreEmulator) await waitFirestore(urls, firebase, signal);
    await waitUntil('Cloud Tasks emulator', () => portInUse(profile.ports.tasks), { timeoutMs: 30_000, process: firebase, signal });

    const clientEnv: Record<string, string> = {
      GCLOUD_PROJECT: profile.projectId,
      GOOGLE_CLOUD_PROJECT: profile.projectId,
      FIRESTORE_EMULATOR_HOST: urls.firestoreHost,
      FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${profile.ports.auth}`,
      PUBSUB_EMULATOR_HOST: urls.pubsub,
      CLOUD_TASKS_EMULATOR_HOST: urls.tasks,
      // As in the functions' environment (writeFunctionsEnv): no metadata-server probe from clients of the stack.
      METADATA_SERVER_DETECTION: 'none',
    };

    if (options.seed !== false) {
      log(`seeding the catalog from ${profile.agentDirs.join(', ')}`);
      // Asynchronously: a blocked event loop would hold back the Ctrl-C handler until seeding ends.
      await seed(profile, { ...ownEnv, ...clientEnv }, signal);
    }
    signal?.throwIfAborted();

    return {
      profile,
      urls,
      toolchain,
      clientEnv,
      parts: {
        Firestore: toolchain.firestoreEmulator
          ? `official emulator from the Cloud SDK (${toolchain.firestoreEmulator}), Java ${toolchain.javaVersion}, rules enforced`
          : `official emulator started by firebase-tools (Java ${toolchain.javaVersion}), rules enforced`,
        'Pub/Sub': toolchain.pubsubEmulator
          ? `official emulator from the Cloud SDK via PUBSUB_EMULATOR_BINARY_PATH (${toolchain.pubsubEmulator})`
          : `official emulator downloaded and started by firebase-tools (Java ${toolchain.javaVersion})`,
        Auth: 'Firebase Auth emulator (firebase-tools)',
        'Cloud Functions': 'Functions emulator (firebase-tools), Node from node_modules/.bin',
        'Cloud Tasks': 'Cloud Tasks emulator (firebase-tools)',
        Hosting: `Hosting emulator serving the web build (copied to .local/${profile.name}/web), /v1/** rewritten to the api function`,
        'Cloud Run jobs': `local executor: runner/ as a child process under node --permission; published versions run from .local/builds/${profile.projectId}`,
        'Cloud Storage': `no emulator can run here (Java 21 needed): bundles as files under .local/blobs/${profile.projectId}, signed uploads to ${urls.functionsBase}/localUploads`,
        'Cloud Build': `local builds: an approved version's bundle unpacked into .local/builds/${profile.projectId}/<agent>/<version>`,
        'Secret Manager': `local AES-256-GCM encrypted files under .local/secrets/${profile.projectId}`,
        'Email (SMTP)': `local SMTP server (smtp-server) on ${urls.smtp}, capturing into .local/${profile.name}/outbox/, listed at ${urls.mailbox}/messages`,
        Stripe: `local stand-in: Stripe's objects in Firestore (localStripe/), pages at ${urls.functionsBase}/localBilling, signed events to ${urls.functionsBase}/stripeWebhook`,
        'Cloud Scheduler': 'no emulator: npm start ticks scheduleTick every minute by POSTing a CloudEvent to the Functions emulator',
        'Customer clouds (GCP, AWS)': usesCloudStandIn(profile)
          ? `stand-in for Google's APIs on ${urls.cloudStandIn} (scripts/lib/cloudStandIn.ts), reached by the real GCP adapter; agents without a connection use the sandbox`
          : 'the sandbox (fixtures per agent, changes kept per workspace); connections reach the real providers, which this machine cannot',
        // Agent memory's texts are embedded by the platform (docs/memory.md "Embeddings").
        Embeddings: 'offline local embedder (feature hashing, 256 dimensions: lexical, not semantic); production may set MEMORY_EMBEDDINGS_URL to an OpenAI-compatible API',
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
