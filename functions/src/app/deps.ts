import type { ApprovalStore } from './approvals/ports.js';
import type { BillingAccountStore, BillingConfig, BillingProvider, EarningsStore, InvoiceRenderer, PayoutConfig } from './billing/ports.js';
import type { CatalogStore } from './catalog/ports.js';
import type { InstallStore, SecretStore } from './installs/ports.js';
import type { DispatchQueue, EngineConfig, Executor, RunArtifactStore, RunFeed, RunLogStore, RunMetricsStore, RunStore, StreamSlots } from './runs/ports.js';
import type { SandboxStore } from './sandbox/ports.js';
import type { CloudConfig, CloudProviders, ConnectionStore, WorkspaceIdentities } from './cloud/ports.js';
import type { MemoryStore } from './memory/ports.js';
import type { Embedder } from '../domain/memory/embedder.js';
import type { ScheduleStore } from './schedules/ports.js';
import type { Clock } from './shared/clock.js';
import type { IdempotencyStore } from './shared/idempotency.js';
import type { RateLimitStore } from './shared/rateLimits.js';
import type { Limits } from '../domain/limits.js';
import type { UsageLedger } from './billing/ports.js';
import type { EventPublisher, NotificationRetryQueue, NotificationStore, Notifiers, NotifyConfig } from './notifications/ports.js';
import type { AccountAuthority, SessionStore } from './accounts/ports.js';
import type { ApiKeyStore, InvitationStore, WorkspaceStore } from './workspaces/ports.js';
import type { AccountDirectory, AgentStatsStore, BlobStore, PipelineQueue, PlatformAdmins, PublisherStore, VersionDeployer, VersionScanner, VersionStore } from './publishing/ports.js';

/**
 * Every port, as the composition root (triggers/deps.ts) fills them with adapters. Each use
 * case takes only the ports it needs (`Pick<Deps, 'runs' | 'clock'>`); each port is declared
 * in the `ports.ts` of the use cases it serves.
 */
export interface Deps {
  clock: Clock;
  workspaces: WorkspaceStore;
  apiKeys: ApiKeyStore;
  invitations: InvitationStore;
  sessions: SessionStore;
  accounts: AccountAuthority;
  catalog: CatalogStore;
  installs: InstallStore;
  secrets: SecretStore;
  runs: RunStore;
  runLogs: RunLogStore;
  runArtifacts: RunArtifactStore;
  runMetrics: RunMetricsStore;
  runFeed: RunFeed;
  streamSlots: StreamSlots;
  dispatchQueue: DispatchQueue;
  executor: Executor;
  schedules: ScheduleStore;
  sandbox: SandboxStore;
  /** Cloud connections (docs/cloud-connections.md): the workspace's connections and identity, and the providers' adapters. */
  connections: ConnectionStore;
  workspaceIdentities: WorkspaceIdentities;
  cloudConfig: CloudConfig;
  cloudProviders: CloudProviders;
  /** Agent memory (docs/memory.md): the installs' task, vector and episode memories, and the embedder of texts. */
  memory: MemoryStore;
  embedder: Embedder;
  approvals: ApprovalStore;
  /** The usage ledger (docs/billing.md). */
  usage: UsageLedger;
  idempotency: IdempotencyStore;
  rateLimits: RateLimitStore;
  config: EngineConfig;
  limits: Limits;
  /**
   * Platform events: a producer that wrote outbox entries in its transaction
   * (`workspaces/{wsId}/outbox/{eventId}`) flushes them to the topic after commit. Never
   * throws: what is not published now, the watchdog's sweep publishes.
   */
  events: { flush(wsId: string, eventIds: string[]): Promise<void> };
  notifications: NotificationStore;
  /** The outbox's topics: `run-events`, `usage-events` and `agent-stats`. */
  eventBus: EventPublisher;
  notifiers: Notifiers;
  notifyRetries: NotificationRetryQueue;
  notifyConfig: NotifyConfig;
  /** Stripe in production, the local stand-in on the local stack (docs/billing.md). */
  billing: BillingProvider;
  billingAccounts: BillingAccountStore;
  billingConfig: BillingConfig;
  /** Revenue entries and payouts (docs/billing.md "Revenue share", "Payouts"). */
  earnings: EarningsStore;
  payoutConfig: PayoutConfig;
  invoiceRenderer: InvoiceRenderer;
  /** The developer portal (docs/publishing.md). */
  publishers: PublisherStore;
  versions: VersionStore;
  platformAdmins: PlatformAdmins;
  accountDirectory: AccountDirectory;
  pipelineQueue: PipelineQueue;
  /** Source bundles: Cloud Storage in production, files under `.local/` here. */
  blobs: BlobStore;
  /** Cloud Build and Cloud Run jobs in production; local builds here. */
  deployer: VersionDeployer;
  versionScanner: VersionScanner;
  /** Developer analytics: agents' daily run stats and active installs (docs/publishing.md "Analytics"). */
  agentStats: AgentStatsStore;
}
