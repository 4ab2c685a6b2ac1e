import path from 'node:path';
import type { Deps } from '../app/deps.js';
import type { SecretStore } from '../app/installs/ports.js';
import type { Executor } from '../app/runs/ports.js';
import type { BillingProvider } from '../app/billing/ports.js';
import type { IdTokenVerifier } from '../app/workspaces/ports.js';
import { embedderFor } from '../adapters/memory/embedderFor.js';
import { loadConfig, memoryEmbeddingsApiKey, stripeSecretKey, stripeWebhookSecret, type Config } from '../config/index.js';

async function secretStoreFor(config: Config): Promise<SecretStore> {
  if (config.secrets === 'local') {
    const { LocalEncryptedSecretStore } = await import('../adapters/secrets/localFileStore.js');
    return new LocalEncryptedSecretStore({ dir: path.join(config.repoRoot, '.local', 'secrets', config.projectId) });
  }
  const { SecretManagerStore } = await import('../adapters/secrets/secretManager.js');
  return new SecretManagerStore(config.projectId);
}

async function executorFor(config: Config): Promise<Executor> {
  if (config.executor === 'local') {
    const { LocalProcessExecutor } = await import('../adapters/executor/local.js');
    return new LocalProcessExecutor({
      buildsRoot: localBuildsRoot(config),
      agentDirs: config.localAgentDirs.map((d) => path.resolve(config.repoRoot, d)),
      runnerMain: path.join(config.repoRoot, 'runner', 'dist', 'runner.js'),
      logDir: path.join(config.repoRoot, '.local', 'executions', config.projectId),
    });
  }
  const { CloudRunJobExecutor, defaultRunnerServiceAccount } = await import('../adapters/executor/cloudRun.js');
  return new CloudRunJobExecutor({
    projectId: config.projectId,
    region: config.region,
    serviceAccount: config.runnerServiceAccount || defaultRunnerServiceAccount(config.projectId),
    egress: { network: config.runnerVpcNetwork, subnetwork: config.runnerVpcSubnetwork },
  });
}

/**
 * How approved versions become runnable (docs/publishing.md "Build and deploy"): Cloud Build and
 * Cloud Run jobs, or with the local executor, builds unpacked under .local/builds that it runs.
 */
async function deployerFor(config: Config, blobs: () => Deps['blobs']): Promise<Deps['deployer']> {
  const { MAX_BUNDLE_BYTES } = await import('@agent-marketplace/contract/publishing');
  if (config.executor === 'local') {
    const { LocalVersionDeployer } = await import('../adapters/deploy/localDeployer.js');
    return new LocalVersionDeployer({ buildsRoot: localBuildsRoot(config), readBundle: (key) => blobs().get(key, { maxBytes: MAX_BUNDLE_BYTES }) });
  }
  const { CloudVersionDeployer } = await import('../adapters/deploy/cloudDeployer.js');
  const { defaultRunnerServiceAccount } = await import('../adapters/executor/cloudRun.js');
  return new CloudVersionDeployer({
    build: {
      projectId: config.projectId,
      region: config.region,
      bundleBucket: config.blobsBucket,
      repository: config.buildRepository,
      runnerBaseImage: config.runnerBaseImage,
      serviceAccount: config.buildServiceAccount,
    },
    jobs: {
      projectId: config.projectId,
      region: config.region,
      serviceAccount: config.runnerServiceAccount || defaultRunnerServiceAccount(config.projectId),
      egress: { network: config.runnerVpcNetwork, subnetwork: config.runnerVpcSubnetwork },
    },
  });
}

/** One folder per stack's project: the test and dev stacks share the repository. */
const localBuildsRoot = (config: Config) => path.join(config.repoRoot, '.local', 'builds', config.projectId);

/** Stripe, or locally the stand-in; either reads its keys at first use (only functions bound to them call it). */
async function billingFor(config: Config): Promise<BillingProvider> {
  if (config.billing === 'local') {
    if (!config.localBillingUrl) throw new Error('BILLING=local needs LOCAL_BILLING_URL (the local functions base URL).');
    const { LocalBillingProvider } = await import('../adapters/billing/localProvider.js');
    return new LocalBillingProvider({
      webhookUrl: `${config.localBillingUrl}/stripeWebhook`,
      pagesUrl: `${config.localBillingUrl}/localBilling`,
      webhookSecret: () => stripeWebhookSecret.value(),
    });
  }
  const { StripeBillingProvider } = await import('../adapters/billing/stripeProvider.js');
  return new StripeBillingProvider({
    apiKey: () => stripeSecretKey.value(),
    webhookSecret: () => stripeWebhookSecret.value(),
    planPrices: { team: config.stripePriceTeam, enterprise: config.stripePriceEnterprise },
  });
}

/**
 * Connected clouds (docs/cloud-connections.md): the GCP and AWS adapters (their SDKs load at
 * first call), and the workspaces' own service accounts. On the test and bench stacks
 * CLOUD_API_ROOT names a stand-in of Google's APIs; `npm start` on a demo project has no Google
 * identity, so workspace service accounts are named, not created.
 */
async function cloudFor(config: Config): Promise<Pick<Deps, 'connections' | 'workspaceIdentities' | 'cloudConfig' | 'cloudProviders'>> {
  const [{ FirestoreConnectionStore }, gcp, { AwsCloud }, { brokerFromGoogleIdentity }, identities] = await Promise.all([
    import('../adapters/firestore/connections.js'),
    import('../adapters/cloud/gcp/gcpCloud.js'),
    import('../adapters/cloud/aws/awsCloud.js'),
    import('../adapters/cloud/aws/broker.js'),
    import('../adapters/cloud/workspaceIdentities.js'),
  ]);
  const apiRoot = config.cloudApiRoot || undefined;
  // The stand-in checks the run tokens it minted, not the platform's own.
  const platformToken = apiRoot ? async () => 'stand-in-platform-token' : gcp.platformTokenFromAdc();
  const demo = config.projectId.startsWith('demo-');
  return {
    connections: new FirestoreConnectionStore(),
    workspaceIdentities:
      demo && !apiRoot
        ? new identities.LocalWorkspaceIdentities()
        : new identities.GcpWorkspaceIdentities({ platformProject: config.projectId, dispatcherServiceAccount: config.dispatcherServiceAccount, platformToken, ...(apiRoot ? { apiRoot } : {}) }),
    cloudConfig: { platformProject: config.projectId, awsPlatformPrincipalArn: config.awsPlatformPrincipalArn },
    cloudProviders: {
      gcp: new gcp.GcpCloud({ platformToken, ...(apiRoot ? { apiRoot } : {}) }),
      aws: apiRoot
        ? // The stand-in takes AssumeRole signed by any key: the broker's own identity is not part of what it stands for.
          new AwsCloud({ endpointOverride: `${apiRoot}/aws`, brokerCredentials: async () => ({ accessKeyId: 'AKIASTANDINBROKER001', secretAccessKey: 'stand-in-broker-secret', sessionToken: 'stand-in' }) })
        : new AwsCloud({ brokerCredentials: brokerFromGoogleIdentity({ roleArn: config.awsPlatformPrincipalArn, idToken: () => googleIdToken('sts.amazonaws.com') }) }),
    },
  };
}

/** A Google-signed ID token of the platform's identity (the AWS broker role trusts it). */
async function googleIdToken(audience: string): Promise<string> {
  const { GoogleAuth } = await import('google-auth-library');
  const client = await new GoogleAuth().getIdTokenClient(audience);
  return client.idTokenProvider.fetchIdToken(audience);
}

/**
 * The composition root: one set of adapters per instance, built on first use. Adapters
 * (and with them firebase-admin's Firestore client, the heaviest import) load lazily, so
 * module load stays small for the deploy-time analysis and for triggers that never need them.
 */
async function build(): Promise<{ deps: Deps; verifier: IdTokenVerifier }> {
  const config = loadConfig();
  const [auth, apiKeys, catalog, idempotency, installs, runs, runLogs, runArtifacts, runMetrics, workspaces, tasks, sandbox, schedules, runFeed, invitations, sessions] = await Promise.all([
    import('../adapters/auth/firebaseAuth.js'),
    import('../adapters/firestore/apiKeys.js'),
    import('../adapters/firestore/catalog.js'),
    import('../adapters/firestore/idempotency.js'),
    import('../adapters/firestore/installs.js'),
    import('../adapters/firestore/runs.js'),
    import('../adapters/firestore/runLogs.js'),
    import('../adapters/firestore/runArtifacts.js'),
    import('../adapters/firestore/runMetrics.js'),
    import('../adapters/firestore/workspaces.js'),
    import('../adapters/tasks/dispatchQueue.js'),
    import('../adapters/firestore/sandbox.js'),
    import('../adapters/firestore/schedules.js'),
    import('../adapters/firestore/runFeed.js'),
    import('../adapters/firestore/invitations.js'),
    import('../adapters/firestore/sessions.js'),
  ]);
  const { FirestoreRateLimitStore } = await import('../adapters/firestore/rateLimits.js');
  const { FirestoreApprovalStore } = await import('../adapters/firestore/approvals.js');
  const { FirestoreUsageLedger } = await import('../adapters/firestore/usageLedger.js');
  const { FirestoreBillingAccountStore } = await import('../adapters/firestore/billingAccounts.js');
  const { FirestoreEarningsStore } = await import('../adapters/firestore/earnings.js');
  const [publishers, versions, pipelineQueue, bundleScan, publishAgent] = await Promise.all([
    import('../adapters/firestore/publishers.js'),
    import('../adapters/firestore/versions.js'),
    import('../adapters/tasks/pipelineQueue.js'),
    import('../adapters/bundles/scanBundle.js'),
    import('../app/catalog/publishAgent.js'),
  ]);
  const [notifications, eventBus, safeFetch, email, retryQueue, outbox] = await Promise.all([
    import('../adapters/firestore/notifications.js'),
    import('../adapters/pubsub/eventBus.js'),
    import('../adapters/notify/safeFetch.js'),
    import('../adapters/notify/email.js'),
    import('../adapters/tasks/notificationRetryQueue.js'),
    import('../app/notifications/outbox.js'),
  ]);
  const clock = { now: () => new Date() };
  const policy = { allowedAddresses: config.notifyAllowedAddresses, allowHttp: config.notifyAllowHttp };
  // Producers flush through deps.events; the run store is one, so it gets the flush too.
  const events: Deps['events'] = { flush: (wsId, eventIds) => outbox.flushOutbox(built, wsId, eventIds) };
  const built: Deps = {
      events,
      notifications: new notifications.FirestoreNotificationStore(),
      eventBus: new eventBus.PubSubEventBus(config.projectId),
      notifiers: {
        email: new email.SmtpEmailSender({ host: config.notifySmtpHost, port: config.notifySmtpPort, secure: config.notifySmtpPort === 465, from: config.notifyEmailFrom }),
        http: new safeFetch.SafeHttpSender({ policy, timeoutMs: 10_000, maxResponseBytes: 64 * 1024, maxRedirects: 3 }),
      },
      notifyRetries: new retryQueue.CloudTasksNotificationRetryQueue(config.region),
      notifyConfig: {
        policy,
        slackHosts: config.notifySlackHosts,
        emailFrom: config.notifyEmailFrom,
        retry: { baseSeconds: config.notifyRetryBaseSeconds, maxDelaySeconds: 3600, windowSeconds: config.notifyRetryWindowSeconds },
      },
      clock,
      workspaces: new workspaces.FirestoreWorkspaceStore(),
      apiKeys: new apiKeys.FirestoreApiKeyStore(),
      catalog: new catalog.FirestoreCatalogStore({ index: true }),
      installs: new installs.FirestoreInstallStore(),
      runs: new runs.FirestoreRunStore(clock.now, events.flush),
      runLogs: new runLogs.FirestoreRunLogStore(),
      runArtifacts: new runArtifacts.FirestoreRunArtifactStore(),
      runMetrics: new runMetrics.FirestoreRunMetricsStore(),
      runFeed: new runFeed.FirestoreRunFeed(),
      streamSlots: new runFeed.FirestoreStreamSlots(clock.now),
      idempotency: new idempotency.FirestoreIdempotencyStore(clock.now),
      dispatchQueue: new tasks.CloudTasksDispatchQueue(config.region),
      executor: await executorFor(config),
      invitations: new invitations.FirestoreInvitationStore(),
      sessions: new sessions.FirestoreSessionStore(),
      accounts: new auth.FirebaseAccountAuthority(),
      sandbox: new sandbox.FirestoreSandboxStore(),
      ...(await cloudFor(config)),
      memory: new (await import('../adapters/firestore/memory.js')).FirestoreMemoryStore(),
      embedder: await embedderFor(config, () => memoryEmbeddingsApiKey.value()),
      approvals: new FirestoreApprovalStore(clock.now, events.flush),
      usage: new FirestoreUsageLedger(),
      secrets: await secretStoreFor(config),
      schedules: new schedules.FirestoreScheduleStore(),
      rateLimits: new FirestoreRateLimitStore(),
      billing: await billingFor(config),
      billingAccounts: new FirestoreBillingAccountStore(),
      billingConfig: { appUrl: config.appUrl },
      earnings: new FirestoreEarningsStore(),
      payoutConfig: { publisherShareBps: config.publisherShareBps, minimumMinor: config.payoutMinimumMinor, settlementSeconds: config.payoutSettlementSeconds },
      // pdf-lib loads when the first PDF is drawn, not at cold start.
      invoiceRenderer: { pdf: async (doc) => new (await import('../adapters/pdf/invoicePdf.js')).PdfLibInvoiceRenderer().pdf(doc) },
      // Files under .local/, or Cloud Storage (whose client loads at its first call).
      blobs:
        config.blobs === 'local'
          ? new (await import('../adapters/blobs/localBlobStore.js')).LocalBlobStore({
              root: path.join(config.repoRoot, '.local', 'blobs', config.projectId),
              uploadUrl: `${config.localUploadsUrl}/localUploads`,
              uploadSecret: config.blobUploadSecret,
            })
          : new (await import('../adapters/blobs/gcsBlobStore.js')).GcsBlobStore({ bucket: config.blobsBucket, storageOptions: { projectId: config.projectId } }),
      publishers: new publishers.FirestorePublisherStore(),
      versions: new versions.FirestoreVersionStore(),
      platformAdmins: new publishers.FirestorePlatformAdmins(),
      accountDirectory: new auth.FirebaseAccountDirectory(),
      pipelineQueue: new pipelineQueue.CloudTasksPipelineQueue(config.region),
      versionScanner: bundleScan.bundleScanner(publishAgent.parseManifest),
      deployer: await deployerFor(config, () => built.blobs),
      agentStats: new (await import('../adapters/firestore/agentStats.js')).FirestoreAgentStatsStore(),
      limits: {
        maxWorkspacesPerUser: config.maxWorkspacesPerUser,
        maxOpenApiKeysPerWorkspace: config.maxOpenApiKeysPerWorkspace,
        anonSearch: { limit: config.anonSearchLimit, windowSeconds: config.anonSearchWindowSeconds },
      },
      config: {
        runnerApiUrl: config.runnerApiUrl,
        leaseSeconds: config.leaseSeconds,
        heartbeatTimeoutSeconds: config.heartbeatTimeoutSeconds,
        runnerHeartbeatSeconds: config.runnerHeartbeatSeconds,
        queuedTimeoutSeconds: config.queuedTimeoutSeconds,
        startTimeoutSeconds: config.startTimeoutSeconds,
        timeoutGraceSeconds: config.timeoutGraceSeconds,
        maxStreamsPerUser: config.maxStreamsPerUser,
        logLimits: { maxLines: config.logMaxLines, maxBytes: config.logMaxMiB * 1024 * 1024 },
      },
  };
  return { verifier: new auth.FirebaseIdTokenVerifier(), deps: built };
}

let deps: Promise<{ deps: Deps; verifier: IdTokenVerifier }> | undefined;

export function getDeps(): Promise<{ deps: Deps; verifier: IdTokenVerifier }> {
  deps ??= build().catch((err: unknown) => {
    deps = undefined;
    throw err;
  });
  return deps;
}
