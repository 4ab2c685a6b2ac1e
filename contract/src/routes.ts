/**
 * Where each operation of the API lives: method, path and whether it takes an
 * Idempotency-Key. Imports nothing (not even zod), so a browser client can carry this table
 * and take every type from `endpoints` without shipping a schema. `endpoints/` builds each
 * operation's full definition from its line here, so a path is written once.
 *
 * Paths are Express-style: `:name` is a parameter, `::verb` a literal custom method
 * (`/runs/:runId::cancel` is `/runs/r1:cancel`).
 */
/** The runner API's path under the API root; an execution's RUNNER_API_URL ends with it. */
export const RUNNER_API_PATH = '/v1/runner';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteLine {
  readonly method: Method;
  readonly path: string;
  /** Creating POSTs: the server replays the first answer to a repeated Idempotency-Key. */
  readonly idempotent?: true;
  /** Answers a document that is not JSON (CSV, PDF): clients read bytes. */
  readonly file?: true;
}

export const routes = {
  // meta
  health: { method: 'GET', path: '/v1/health' },
  openapi: { method: 'GET', path: '/v1/openapi.json' },

  // catalog
  listAgents: { method: 'GET', path: '/v1/agents' },
  getAgent: { method: 'GET', path: '/v1/agents/:agentId' },
  listAgentVersions: { method: 'GET', path: '/v1/agents/:agentId/versions' },
  getAgentVersion: { method: 'GET', path: '/v1/agents/:agentId/versions/:version' },
  getAgentCloudPermissions: { method: 'GET', path: '/v1/agents/:agentId/versions/:version/cloud-permissions' },
  listReviews: { method: 'GET', path: '/v1/agents/:agentId/reviews' },
  putMyReview: { method: 'PUT', path: '/v1/agents/:agentId/reviews/mine' },
  validateManifest: { method: 'POST', path: '/v1/manifests/validate' },
  agentManifestSchema: { method: 'GET', path: '/v1/schemas/agent-manifest.json' },

  // workspaces
  getMe: { method: 'GET', path: '/v1/me' },
  listWorkspaces: { method: 'GET', path: '/v1/workspaces' },
  createWorkspace: { method: 'POST', path: '/v1/workspaces', idempotent: true },
  getWorkspace: { method: 'GET', path: '/v1/workspaces/:wsId' },

  // members
  listMembers: { method: 'GET', path: '/v1/workspaces/:wsId/members' },
  changeMemberRole: { method: 'PATCH', path: '/v1/workspaces/:wsId/members/:uid' },
  removeMember: { method: 'DELETE', path: '/v1/workspaces/:wsId/members/:uid' },

  // API keys
  listApiKeys: { method: 'GET', path: '/v1/workspaces/:wsId/api-keys' },
  // Not idempotent on purpose: a replay would have to store the secret to return it again.
  createApiKey: { method: 'POST', path: '/v1/workspaces/:wsId/api-keys' },
  revokeApiKey: { method: 'DELETE', path: '/v1/workspaces/:wsId/api-keys/:keyId' },
  transferApiKey: { method: 'POST', path: '/v1/workspaces/:wsId/api-keys/:keyId::transfer' },

  // invitations (members join only through one: a verified email that matches)
  listInvitations: { method: 'GET', path: '/v1/workspaces/:wsId/invitations' },
  // Not idempotent on purpose, like API keys: a replay would have to store the token to return it again.
  createInvitation: { method: 'POST', path: '/v1/workspaces/:wsId/invitations' },
  revokeInvitation: { method: 'DELETE', path: '/v1/workspaces/:wsId/invitations/:invitationId' },
  acceptInvitation: { method: 'POST', path: '/v1/invitations::accept' },

  // the signed-in user's sessions
  listSessions: { method: 'GET', path: '/v1/me/sessions' },
  revokeSession: { method: 'DELETE', path: '/v1/me/sessions/:sessionId' },
  revokeAllSessions: { method: 'POST', path: '/v1/me/sessions::revokeAll' },

  // installs and the wizard
  listInstalls: { method: 'GET', path: '/v1/workspaces/:wsId/installs' },
  startInstall: { method: 'POST', path: '/v1/workspaces/:wsId/installs', idempotent: true },
  getInstall: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId' },
  chooseVersion: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/version' },
  configureInstall: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/config' },
  setInstallSecret: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/secrets/:name' },
  removeInstallSecret: { method: 'DELETE', path: '/v1/workspaces/:wsId/installs/:installId/secrets/:name' },
  consentInstall: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/consent' },
  setInstallTriggers: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/triggers' },
  reviewInstall: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/review' },
  deployInstall: { method: 'POST', path: '/v1/workspaces/:wsId/installs/:installId/deploy' },
  setInstallRunPolicy: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/run-policy' },
  pauseInstall: { method: 'POST', path: '/v1/workspaces/:wsId/installs/:installId/pause' },
  resumeInstall: { method: 'POST', path: '/v1/workspaces/:wsId/installs/:installId/resume' },
  upgradeInstall: { method: 'POST', path: '/v1/workspaces/:wsId/installs/:installId/upgrade' },
  getInstallVersionStatus: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/version-status' },
  uninstall: { method: 'DELETE', path: '/v1/workspaces/:wsId/installs/:installId' },

  // an install's agent memory (docs/memory.md): browse, search, forget, export
  getInstallMemory: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/memory' },
  forgetInstallMemory: { method: 'DELETE', path: '/v1/workspaces/:wsId/installs/:installId/memory' },
  setInstallMemoryRetention: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/memory/retention' },
  listInstallMemoryTask: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/memory/task' },
  forgetInstallMemoryTask: { method: 'DELETE', path: '/v1/workspaces/:wsId/installs/:installId/memory/task/:key' },
  listInstallMemoryVector: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/memory/vector' },
  searchInstallMemoryVector: { method: 'POST', path: '/v1/workspaces/:wsId/installs/:installId/memory/vector/search' },
  forgetInstallMemoryVector: { method: 'DELETE', path: '/v1/workspaces/:wsId/installs/:installId/memory/vector/:id' },
  listInstallMemoryEpisodes: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/memory/episodes' },
  forgetInstallMemoryEpisode: { method: 'DELETE', path: '/v1/workspaces/:wsId/installs/:installId/memory/episodes/:runId' },
  exportInstallMemory: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/memory/export' },

  // cloud connections (docs/cloud-connections.md)
  getCloudIdentity: { method: 'GET', path: '/v1/workspaces/:wsId/cloud-identity' },
  listConnections: { method: 'GET', path: '/v1/workspaces/:wsId/connections' },
  createConnection: { method: 'POST', path: '/v1/workspaces/:wsId/connections', idempotent: true },
  getConnection: { method: 'GET', path: '/v1/workspaces/:wsId/connections/:connectionId' },
  deleteConnection: { method: 'DELETE', path: '/v1/workspaces/:wsId/connections/:connectionId' },
  testConnection: { method: 'POST', path: '/v1/workspaces/:wsId/connections/:connectionId/test' },
  setInstallConnection: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/connection' },
  getInstallCloudGrant: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/cloud-grant' },

  // runs
  triggerRun: { method: 'POST', path: '/v1/workspaces/:wsId/installs/:installId/runs', idempotent: true },
  listRuns: { method: 'GET', path: '/v1/workspaces/:wsId/runs' },
  workspaceMetrics: { method: 'GET', path: '/v1/workspaces/:wsId/metrics' },
  getRun: { method: 'GET', path: '/v1/workspaces/:wsId/runs/:runId' },
  listRunEvents: { method: 'GET', path: '/v1/workspaces/:wsId/runs/:runId/events' },
  listRunLogs: { method: 'GET', path: '/v1/workspaces/:wsId/runs/:runId/logs' },
  listRunArtifacts: { method: 'GET', path: '/v1/workspaces/:wsId/runs/:runId/artifacts' },
  getRunArtifact: { method: 'GET', path: '/v1/workspaces/:wsId/runs/:runId/artifacts/:name' },
  cancelRun: { method: 'POST', path: '/v1/workspaces/:wsId/runs/:runId::cancel' },
  cancelRunAlias: { method: 'POST', path: '/v1/workspaces/:wsId/runs/:runId/cancel' },
  streamRun: { method: 'GET', path: '/v1/workspaces/:wsId/runs/:runId/stream' },

  // approvals
  listApprovals: { method: 'GET', path: '/v1/workspaces/:wsId/approvals' },
  approvalAudit: { method: 'GET', path: '/v1/workspaces/:wsId/approvals::audit' },
  getApproval: { method: 'GET', path: '/v1/workspaces/:wsId/approvals/:approvalId' },
  decideApproval: { method: 'POST', path: '/v1/workspaces/:wsId/approvals/:approvalId::decide' },
  decideRunApprovals: { method: 'POST', path: '/v1/workspaces/:wsId/runs/:runId/approvals::decide' },
  getApprovalPolicy: { method: 'GET', path: '/v1/workspaces/:wsId/installs/:installId/approval-policy' },
  setApprovalPolicy: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/approval-policy' },
  // notification channels (email, Slack, signed outbound webhooks) and their delivery logs
  listNotificationChannels: { method: 'GET', path: '/v1/workspaces/:wsId/notificationChannels' },
  // Not idempotent on purpose, like API keys: a replay would have to store the signing secret to return it again.
  createNotificationChannel: { method: 'POST', path: '/v1/workspaces/:wsId/notificationChannels' },
  getNotificationChannel: { method: 'GET', path: '/v1/workspaces/:wsId/notificationChannels/:channelId' },
  updateNotificationChannel: { method: 'PATCH', path: '/v1/workspaces/:wsId/notificationChannels/:channelId' },
  deleteNotificationChannel: { method: 'DELETE', path: '/v1/workspaces/:wsId/notificationChannels/:channelId' },
  testNotificationChannel: { method: 'POST', path: '/v1/workspaces/:wsId/notificationChannels/:channelId::test' },
  rotateNotificationChannelSecret: { method: 'POST', path: '/v1/workspaces/:wsId/notificationChannels/:channelId::rotateSecret' },
  listNotificationDeliveries: { method: 'GET', path: '/v1/workspaces/:wsId/notificationChannels/:channelId/deliveries' },

  // billing (docs/billing.md)
  getBilling: { method: 'GET', path: '/v1/workspaces/:wsId/billing' },
  setWorkspaceSpendCap: { method: 'PUT', path: '/v1/workspaces/:wsId/billing/spend-cap' },
  setInstallSpendCap: { method: 'PUT', path: '/v1/workspaces/:wsId/installs/:installId/spend-cap' },
  // the billing account: plan checkout and the billing portal (docs/billing.md)
  getBillingAccount: { method: 'GET', path: '/v1/workspaces/:wsId/billing/account' },
  startPlanCheckout: { method: 'POST', path: '/v1/workspaces/:wsId/billing/checkout', idempotent: true },
  openBillingPortal: { method: 'POST', path: '/v1/workspaces/:wsId/billing/portal', idempotent: true },
  // invoices, and publishers' earnings and payouts (docs/billing.md)
  listInvoices: { method: 'GET', path: '/v1/workspaces/:wsId/billing/invoices' },
  getInvoice: { method: 'GET', path: '/v1/workspaces/:wsId/billing/invoices/:invoiceId' },
  getInvoiceCsv: { method: 'GET', path: '/v1/workspaces/:wsId/billing/invoices/:invoiceId/csv', file: true },
  getInvoicePdf: { method: 'GET', path: '/v1/workspaces/:wsId/billing/invoices/:invoiceId/pdf', file: true },
  getPublisherEarnings: { method: 'GET', path: '/v1/publishers/:publisherId/earnings' },
  listPublisherPayouts: { method: 'GET', path: '/v1/publishers/:publisherId/payouts' },
  // Not idempotent on purpose: an onboarding link is single-use, so a retry needs a fresh one (the account itself is created once).
  onboardPublisherPayouts: { method: 'POST', path: '/v1/publishers/:publisherId/payouts::onboard' },

  // the developer portal (docs/publishing.md): publishers, members, submissions, versions, review
  listMyPublishers: { method: 'GET', path: '/v1/publishers' },
  createPublisher: { method: 'POST', path: '/v1/publishers', idempotent: true },
  getPublisher: { method: 'GET', path: '/v1/publishers/:publisherId' },
  listPublisherMembers: { method: 'GET', path: '/v1/publishers/:publisherId/members' },
  addPublisherMember: { method: 'POST', path: '/v1/publishers/:publisherId/members', idempotent: true },
  changePublisherMember: { method: 'PATCH', path: '/v1/publishers/:publisherId/members/:uid' },
  removePublisherMember: { method: 'DELETE', path: '/v1/publishers/:publisherId/members/:uid' },
  listPublisherAgents: { method: 'GET', path: '/v1/publishers/:publisherId/agents' },
  createBundleUpload: { method: 'POST', path: '/v1/publishers/:publisherId/agents/:agentId/uploads', idempotent: true },
  submitVersion: { method: 'POST', path: '/v1/publishers/:publisherId/agents/:agentId/versions', idempotent: true },
  listDeveloperVersions: { method: 'GET', path: '/v1/publishers/:publisherId/agents/:agentId/versions' },
  getDeveloperVersion: { method: 'GET', path: '/v1/publishers/:publisherId/agents/:agentId/versions/:version' },
  deprecateVersion: { method: 'POST', path: '/v1/publishers/:publisherId/agents/:agentId/versions/:version::deprecate' },
  undeprecateVersion: { method: 'POST', path: '/v1/publishers/:publisherId/agents/:agentId/versions/:version::undeprecate' },
  yankVersion: { method: 'POST', path: '/v1/publishers/:publisherId/agents/:agentId/versions/:version::yank' },
  unyankVersion: { method: 'POST', path: '/v1/publishers/:publisherId/agents/:agentId/versions/:version::unyank' },
  getPublisherAnalytics: { method: 'GET', path: '/v1/publishers/:publisherId/analytics' },
  listReviewQueue: { method: 'GET', path: '/v1/admin/reviews' },
  approveVersion: { method: 'POST', path: '/v1/admin/agents/:agentId/versions/:version::approve' },
  requestVersionChanges: { method: 'POST', path: '/v1/admin/agents/:agentId/versions/:version::requestChanges' },

  // inbound webhooks
  inboundWebhook: { method: 'POST', path: '/v1/hooks/:wsId/:installId' },

  // the runner API
  runnerSession: { method: 'POST', path: '/v1/runner/runs/:runId/session' },
  runnerStarted: { method: 'POST', path: '/v1/runner/runs/:runId/started' },
  runnerLogs: { method: 'POST', path: '/v1/runner/runs/:runId/logs' },
  runnerHeartbeat: { method: 'POST', path: '/v1/runner/runs/:runId/heartbeat' },
  runnerComplete: { method: 'POST', path: '/v1/runner/runs/:runId/complete' },
  runnerSandboxState: { method: 'POST', path: '/v1/runner/runs/:runId/sandbox/state' },
  runnerSandboxAction: { method: 'POST', path: '/v1/runner/runs/:runId/sandbox/actions' },
  runnerCloudList: { method: 'POST', path: '/v1/runner/runs/:runId/cloud/list' },
  runnerCloudGet: { method: 'POST', path: '/v1/runner/runs/:runId/cloud/get' },
  runnerCloudDataset: { method: 'POST', path: '/v1/runner/runs/:runId/cloud/dataset' },
  runnerCloudAction: { method: 'POST', path: '/v1/runner/runs/:runId/cloud/actions' },
  runnerMemoryTaskGet: { method: 'POST', path: '/v1/runner/runs/:runId/memory/task/get' },
  runnerMemoryTaskPut: { method: 'POST', path: '/v1/runner/runs/:runId/memory/task/put' },
  runnerMemoryTaskDelete: { method: 'POST', path: '/v1/runner/runs/:runId/memory/task/delete' },
  runnerMemoryTaskList: { method: 'POST', path: '/v1/runner/runs/:runId/memory/task/list' },
  runnerMemoryVectorUpsert: { method: 'POST', path: '/v1/runner/runs/:runId/memory/vector/upsert' },
  runnerMemoryVectorSearch: { method: 'POST', path: '/v1/runner/runs/:runId/memory/vector/search' },
  runnerMemoryVectorDelete: { method: 'POST', path: '/v1/runner/runs/:runId/memory/vector/delete' },
  runnerMemoryEpisodeRecord: { method: 'POST', path: '/v1/runner/runs/:runId/memory/episodes' },
  runnerMemoryEpisodeSearch: { method: 'POST', path: '/v1/runner/runs/:runId/memory/episodes/search' },
  runnerApprovalRequest: { method: 'POST', path: '/v1/runner/runs/:runId/approvals' },
  runnerAttachArtifact: { method: 'POST', path: '/v1/runner/runs/:runId/artifacts' },
  runnerSecrets: { method: 'POST', path: '/v1/runner/runs/:runId/secrets' },
} as const satisfies Record<string, RouteLine>;

export type OperationId = keyof typeof routes;

/** The names of a path's parameters, in order (`/a/:x/b/:y::cancel` → `x`, `y`). */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/(?<!:):([A-Za-z]+)/g)].map((m) => m[1]!);
}

/**
 * A concrete path: each `:name` replaced by its value, URI-encoded, and `::verb` by `:verb`.
 * Throws on a missing or empty value (a request to the wrong resource is worse than none).
 */
export function fillPath(path: string, params: Record<string, string | number> = {}): string {
  return path.replace(/::([A-Za-z]+)|:([A-Za-z]+)/g, (_m, verb: string | undefined, name: string | undefined) => {
    if (verb) return `:${verb}`;
    const value = params[name!];
    if (value === undefined || value === '') throw new TypeError(`path parameter "${name}" is missing for ${path}`);
    return encodeURIComponent(String(value));
  });
}
