import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineInt, defineSecret, defineString } from 'firebase-functions/params';
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
  heartbeatTimeoutSeconds: defineInt('HEARTBEAT_TIMEOUT_SECONDS', { default: 120, description: 'A runner silent this long is presumed dead' }),
  runnerHeartbeatSeconds: defineInt('RUNNER_HEARTBEAT_SECONDS', { default: 15, description: "The runner's keep-alive interval" }),
  queuedTimeoutSeconds: defineInt('QUEUED_TIMEOUT_SECONDS', { default: 600, description: 'A run queued this long is re-enqueued by the watchdog' }),
  startTimeoutSeconds: defineInt('START_TIMEOUT_SECONDS', { default: 600, description: 'An execution that has not reported within this long after starting fails' }),
  logMaxLines: defineInt('LOG_MAX_LINES', { default: 250_000, description: 'Log lines one run attempt may store; past it the run fails' }),
  logMaxMiB: defineInt('LOG_MAX_MIB', { default: 64, description: 'MiB of log lines one run attempt may store' }),
  timeoutGraceSeconds: defineInt('TIMEOUT_GRACE_SECONDS', { default: 30, description: "Past a run's deadline, how long its runner gets to stop itself" }),
  maxStreamsPerUser: defineInt('MAX_RUN_STREAMS_PER_USER', { default: 10, description: 'Run streams (SSE) one user or API key may hold open at once' }),
  localAgentDirs: defineString('LOCAL_AGENT_DIRS', { default: 'agents', description: 'Local executor only: comma-separated agent folders, relative to the repository' }),
  // Cloud Run executor only (docs/runner-isolation.md): who executions run as, and the network all their traffic leaves through.
  runnerServiceAccount: defineString('RUNNER_SERVICE_ACCOUNT', { default: '', description: 'The runner job identity, a service account with no project roles (default agent-runner@<project>.iam.gserviceaccount.com)' }),
  runnerVpcNetwork: defineString('RUNNER_VPC_NETWORK', { default: 'agent-runners', description: 'The VPC network run executions egress through (Direct VPC egress, all traffic)' }),
  runnerVpcSubnetwork: defineString('RUNNER_VPC_SUBNETWORK', { default: 'agent-runners', description: 'Its subnetwork, in the functions region' }),
  // Connected clouds (docs/cloud-connections.md).
  cloudApiRoot: defineString('CLOUD_API_ROOT', { default: '', description: "Empty in production. A demo project's stand-in for Google's and AWS's APIs (tests): every provider host is reached under it" }),
  dispatcherServiceAccount: defineString('DISPATCHER_SERVICE_ACCOUNT', { default: '', description: "The functions' identity: the only one allowed to impersonate workspace service accounts (default agent-dispatcher@<project>.iam.gserviceaccount.com)" }),
  awsPlatformPrincipalArn: defineString('AWS_PLATFORM_PRINCIPAL_ARN', { default: 'arn:aws:iam::000000000000:role/agent-marketplace-broker', description: "The platform's AWS broker role: customers' roles trust it, with their workspace's external id" }),
  // Agent memory (docs/memory.md "Embeddings"): an OpenAI-compatible endpoint, or the offline local embedder when empty.
  memoryEmbeddingsUrl: defineString('MEMORY_EMBEDDINGS_URL', { default: '', description: 'Base URL of an OpenAI-compatible embeddings API (…/v1, without /embeddings); empty: the offline local embedder' }),
  memoryEmbeddingsModel: defineString('MEMORY_EMBEDDINGS_MODEL', { default: 'text-embedding-3-small', description: 'The embeddings model; changing it makes existing installs refuse new vectors until they are forgotten' }),
  memoryEmbeddingDimensions: defineInt('MEMORY_EMBEDDING_DIMENSIONS', { default: 1536, description: "The model's vector dimensions (at most 2048); the vector indexes (npm run indexes) are declared for it" }),
  maxWorkspacesPerUser: defineInt('MAX_WORKSPACES_PER_USER', { default: 20, description: 'Workspaces one user may create' }),
  maxOpenApiKeysPerWorkspace: defineInt('MAX_OPEN_API_KEYS_PER_WORKSPACE', { default: 50, description: 'API keys not revoked, per workspace' }),
  anonSearchLimit: defineInt('ANON_SEARCH_LIMIT', { default: 120, description: 'Catalog searches one anonymous client may make per window' }),
  anonSearchWindowSeconds: defineInt('ANON_SEARCH_WINDOW_SECONDS', { default: 60, description: 'The window of ANON_SEARCH_LIMIT' }),
  clientIpHops: defineInt('CLIENT_IP_HOPS', { default: 2, description: 'Which X-Forwarded-For entry, from the right, is the client (api/clientAddress.ts)' }),
  // Notifications (app/notifications): where email goes out, and where outbound requests may go.
  notifySmtpHost: defineString('NOTIFY_SMTP_HOST', { default: '', description: 'SMTP server for notification email (empty: email channels record email_not_configured)' }),
  notifySmtpPort: defineInt('NOTIFY_SMTP_PORT', { default: 587, description: 'Its port (465: TLS from the start; otherwise STARTTLS when offered)' }),
  notifyEmailFrom: defineString('NOTIFY_EMAIL_FROM', { default: 'Agent Marketplace <notifications@agent-marketplace.invalid>', description: 'From address of notification email' }),
  notifyAllowedAddresses: defineString('NOTIFY_ALLOWED_HOSTS', { default: '', description: 'Comma-separated IP addresses webhooks and Slack may reach although not public, when the URL names them literally (local tests: 127.0.0.1); empty in production' }),
  notifyAllowHttp: defineString('NOTIFY_ALLOW_HTTP', { default: 'false', description: 'true lets webhooks use plain http (local stacks only)' }),
  notifySlackHosts: defineString('NOTIFY_SLACK_HOSTS', { default: 'hooks.slack.com', description: 'Comma-separated hosts a Slack channel URL may name' }),
  notifyRetryBaseSeconds: defineInt('NOTIFY_RETRY_BASE_SECONDS', { default: 30, description: 'First webhook retry delay; each next one doubles (capped at an hour)' }),
  notifyRetryWindowSeconds: defineInt('NOTIFY_RETRY_WINDOW_SECONDS', { default: 86_400, description: 'Webhook retries stop this long after the first attempt' }),
  // Billing (docs/billing.md): Stripe, or the local stand-in that keeps Stripe's objects in Firestore.
  billing: defineString('BILLING', { default: 'stripe', description: 'stripe, or local (a stand-in in Firestore, development only)' }),
  stripePriceTeam: defineString('STRIPE_PRICE_TEAM', { default: '', description: 'Stripe price id of the team plan' }),
  stripePriceEnterprise: defineString('STRIPE_PRICE_ENTERPRISE', { default: '', description: 'Stripe price id of the enterprise plan' }),
  appUrl: defineString('APP_URL', { default: 'https://agent-marketplace.web.app', description: 'The web app, where hosted billing pages send the browser back to' }),
  localBillingUrl: defineString('LOCAL_BILLING_URL', { default: '', description: 'Local stand-in only: the base URL of the local functions (its pages and our webhook)' }),
  publisherShareBps: defineInt('PUBLISHER_SHARE_BPS', { default: 8000, description: "Publishers' share of their paid agents' revenue, in basis points (8000 = 80 %); a publisher's shareBps overrides it" }),
  payoutMinimumMinor: defineInt('PAYOUT_MINIMUM_MINOR', { default: 1000, description: 'A payout is sent once a settled balance reaches this many cents' }),
  payoutSettlementSeconds: defineInt('PAYOUT_SETTLEMENT_SECONDS', { default: 7 * 86_400, description: 'How long after an invoice is paid its revenue settles (refund window before payout)' }),
  secrets: defineString('SECRETS', { default: 'secret-manager', description: 'secret-manager, or local (encrypted files under .local/, development only)' }),
  // Blobs (agent source bundles): a Cloud Storage bucket, or files under .local/blobs.
  blobs: defineString('BLOBS', { default: 'gcs', description: 'gcs, or local (files under .local/blobs, development only)' }),
  blobsBucket: defineString('BLOBS_BUCKET', { default: '', description: 'The Cloud Storage bucket of agent source bundles (empty: <project>-agent-bundles)' }),
  localUploadsUrl: defineString('LOCAL_UPLOADS_URL', { default: '', description: 'Local blobs only: the base URL of the local functions, where signed upload URLs point (its localUploads function)' }),
  // Publishing (docs/publishing.md): approved versions are built by Cloud Build into this repository.
  buildRepository: defineString('BUILD_REPOSITORY', { default: 'agents', description: "The Artifact Registry Docker repository (in REGION) of agents' images" }),
  runnerBaseImage: defineString('RUNNER_BASE_IMAGE', { default: '', description: 'The runner base image pinned by digest (…@sha256:…); every agent image is it plus the agent. Required to build versions' }),
  buildServiceAccount: defineString('BUILD_SERVICE_ACCOUNT', { default: '', description: 'The identity builds run as: reads the bundle bucket, pushes to the repository (default agent-builder@<project>.iam.gserviceaccount.com)' }),
};

/** Stripe's keys, bound to the functions that talk to Stripe (locally from functions/.secret.local). */
export const stripeSecretKey = defineSecret('STRIPE_SECRET_KEY');
export const stripeWebhookSecret = defineSecret('STRIPE_WEBHOOK_SECRET');
export const STRIPE_SECRETS = [stripeSecretKey, stripeWebhookSecret];
/** The embeddings API's key, bound to the API function (the only one that embeds); unused while MEMORY_EMBEDDINGS_URL is empty. */
export const memoryEmbeddingsApiKey = defineSecret('MEMORY_EMBEDDINGS_API_KEY');

export const ConfigSchema = z.object({
  projectId: z.string().min(1),
  region: z.string().min(1),
  executor: z.enum(['cloud-run', 'local']),
  runnerApiUrl: z.url(),
  leaseSeconds: z.number().int().min(10),
  heartbeatTimeoutSeconds: z.number().int().min(5),
  runnerHeartbeatSeconds: z.number().int().min(1),
  queuedTimeoutSeconds: z.number().int().min(10),
  startTimeoutSeconds: z.number().int().min(10),
  timeoutGraceSeconds: z.number().int().min(0),
  maxStreamsPerUser: z.number().int().min(1),
  logMaxLines: z.number().int().min(100),
  logMaxMiB: z.number().int().min(1),
  secrets: z.enum(['secret-manager', 'local']),
  blobs: z.enum(['gcs', 'local']),
  blobsBucket: z.string().min(3),
  localUploadsUrl: z.string(),
  /** Local blobs only: the HMAC key of local signed upload URLs (Cloud Storage signs its own). */
  blobUploadSecret: z.string(),
  buildRepository: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
  runnerBaseImage: z.string(),
  buildServiceAccount: z.string(),
  billing: z.enum(['stripe', 'local']),
  stripePriceTeam: z.string(),
  stripePriceEnterprise: z.string(),
  appUrl: z.url(),
  localBillingUrl: z.string(),
  publisherShareBps: z.number().int().min(0).max(10_000),
  payoutMinimumMinor: z.number().int().min(1),
  payoutSettlementSeconds: z.number().int().min(0),
  notifySmtpHost: z.string(),
  notifySmtpPort: z.number().int().min(1).max(65535),
  notifyEmailFrom: z.string().min(3),
  notifyAllowedAddresses: z.array(z.string().regex(/^[0-9a-fA-F:.]+$/, 'an IP address')),
  notifyAllowHttp: z.boolean(),
  notifySlackHosts: z.array(z.string().min(1)),
  notifyRetryBaseSeconds: z.number().int().min(1),
  notifyRetryWindowSeconds: z.number().int().min(60).max(7 * 86_400),
  runnerServiceAccount: z.string(),
  runnerVpcNetwork: z.string().min(1),
  cloudApiRoot: z.union([z.literal(''), z.url()]),
  memoryEmbeddingsUrl: z.union([z.literal(''), z.url()]),
  memoryEmbeddingsModel: z.string().min(1).max(200),
  memoryEmbeddingDimensions: z.number().int().min(1).max(2048),
  dispatcherServiceAccount: z.string().min(1),
  awsPlatformPrincipalArn: z.string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/),
  runnerVpcSubnetwork: z.string().min(1),
  maxWorkspacesPerUser: z.number().int().min(1),
  maxOpenApiKeysPerWorkspace: z.number().int().min(1),
  anonSearchLimit: z.number().int().min(1),
  anonSearchWindowSeconds: z.number().int().min(1).max(3600),
  clientIpHops: z.number().int().min(1).max(10),
  authEmulatorHost: z.string().optional(),
  localAgentDirs: z.array(z.string().min(1)).min(1),
  /** Repository root, for the local executor (agents/ and runner/). */
  repoRoot: z.string(),
});
export type Config = z.infer<typeof ConfigSchema>;

/** A runner must be able to miss a few keep-alives before it counts as silent. */
const heartbeatsFit = (c: Config) => c.heartbeatTimeoutSeconds >= 3 * c.runnerHeartbeatSeconds;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let cached: Config | undefined;

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

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
    heartbeatTimeoutSeconds: params.heartbeatTimeoutSeconds.value(),
    runnerHeartbeatSeconds: params.runnerHeartbeatSeconds.value(),
    queuedTimeoutSeconds: params.queuedTimeoutSeconds.value(),
    startTimeoutSeconds: params.startTimeoutSeconds.value(),
    timeoutGraceSeconds: params.timeoutGraceSeconds.value(),
    maxStreamsPerUser: params.maxStreamsPerUser.value(),
    logMaxLines: params.logMaxLines.value(),
    logMaxMiB: params.logMaxMiB.value(),
    secrets: params.secrets.value(),
    blobs: params.blobs.value(),
    blobsBucket: params.blobsBucket.value() || `${projectId}-agent-bundles`,
    localUploadsUrl: params.localUploadsUrl.value().replace(/\/$/, ''),
    blobUploadSecret: params.blobs.value() === 'local' ? localBlobUploadSecret(projectId) : '',
    buildRepository: params.buildRepository.value() || 'agents',
    runnerBaseImage: params.runnerBaseImage.value(),
    buildServiceAccount: params.buildServiceAccount.value() || `agent-builder@${projectId}.iam.gserviceaccount.com`,
    billing: params.billing.value(),
    stripePriceTeam: params.stripePriceTeam.value(),
    stripePriceEnterprise: params.stripePriceEnterprise.value(),
    appUrl: params.appUrl.value().replace(/\/$/, ''),
    localBillingUrl: params.localBillingUrl.value().replace(/\/$/, ''),
    publisherShareBps: params.publisherShareBps.value(),
    payoutMinimumMinor: params.payoutMinimumMinor.value(),
    payoutSettlementSeconds: params.payoutSettlementSeconds.value(),
    notifySmtpHost: params.notifySmtpHost.value(),
    notifySmtpPort: params.notifySmtpPort.value(),
    notifyEmailFrom: params.notifyEmailFrom.value(),
    notifyAllowedAddresses: list(params.notifyAllowedAddresses.value()),
    notifyAllowHttp: params.notifyAllowHttp.value() === 'true',
    notifySlackHosts: list(params.notifySlackHosts.value()).map((h) => h.toLowerCase()),
    notifyRetryBaseSeconds: params.notifyRetryBaseSeconds.value(),
    notifyRetryWindowSeconds: params.notifyRetryWindowSeconds.value(),
    runnerServiceAccount: params.runnerServiceAccount.value(),
    runnerVpcNetwork: params.runnerVpcNetwork.value(),
    cloudApiRoot: params.cloudApiRoot.value().replace(/\/$/, ''),
    memoryEmbeddingsUrl: params.memoryEmbeddingsUrl.value().replace(/\/+$/, ''),
    memoryEmbeddingsModel: params.memoryEmbeddingsModel.value(),
    memoryEmbeddingDimensions: params.memoryEmbeddingDimensions.value(),
    dispatcherServiceAccount: params.dispatcherServiceAccount.value() || `agent-dispatcher@${projectId}.iam.gserviceaccount.com`,
    awsPlatformPrincipalArn: params.awsPlatformPrincipalArn.value(),
    runnerVpcSubnetwork: params.runnerVpcSubnetwork.value(),
    maxWorkspacesPerUser: params.maxWorkspacesPerUser.value(),
    maxOpenApiKeysPerWorkspace: params.maxOpenApiKeysPerWorkspace.value(),
    anonSearchLimit: params.anonSearchLimit.value(),
    anonSearchWindowSeconds: params.anonSearchWindowSeconds.value(),
    clientIpHops: params.clientIpHops.value(),
    localAgentDirs: params.localAgentDirs.value().split(',').map((d) => d.trim()).filter(Boolean),
    authEmulatorHost: env['FIREBASE_AUTH_EMULATOR_HOST'] || undefined,
    repoRoot,
  });
  assertSafeAuth(config);
  assertSafeBlobs(config);
  // A stand-in for the providers' APIs would receive real credentials: demo projects only.
  if (config.cloudApiRoot && !config.projectId.startsWith('demo-')) throw new Error('CLOUD_API_ROOT is for demo-* projects only (a stand-in of the providers for tests).');
  if (!heartbeatsFit(config)) throw new Error('HEARTBEAT_TIMEOUT_SECONDS must be at least three times RUNNER_HEARTBEAT_SECONDS.');
  cached = config;
  return config;
}

/** The local upload URLs' key: fixed per project, like the other local secrets, and never a production one. */
export const localBlobUploadSecret = (projectId: string) => createHash('sha256').update(`agent-marketplace local blob uploads\n${projectId}`).digest('hex');

/**
 * Local blobs sign upload URLs with a key anyone can derive, and their upload function stores
 * what it is sent: only a demo-* project may run that way, and it needs the functions' URL.
 */
export function assertSafeBlobs(config: Pick<Config, 'projectId' | 'blobs' | 'localUploadsUrl'>): void {
  if (config.blobs !== 'local') return;
  if (!config.projectId.startsWith('demo-')) {
    throw new Error(`Refusing to start: BLOBS=local is set for project "${config.projectId}"; local blobs are for demo-* projects only.`);
  }
  if (!config.localUploadsUrl) throw new Error('BLOBS=local needs LOCAL_UPLOADS_URL (the local functions base URL).');
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
