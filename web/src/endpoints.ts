/** The API routes this client uses, typed by the shared contract. One function per route. */
import { create, del, get, patch, post, put } from './api.ts';
import type {
  AddMember,
  Agent,
  AgentSummary,
  AgentVersion,
  AgentVersionDetail,
  ApiKey,
  CatalogQuery,
  CreateApiKey,
  CreatedApiKey,
  CreateInstall,
  CreateWorkspace,
  Install,
  InstallReview,
  Member,
  Page,
  PutReview,
  Review,
  Role,
  Run,
  RunEvent,
  RunState,
  Triggers,
  TriggersResult,
  TriggerRun,
  Workspace,
  WorkspaceMetrics,
} from './contract.ts';

type Opts = { signal?: AbortSignal };
type PageOpts = Opts & { cursor?: string | undefined; limit?: number };

const enc = encodeURIComponent;
const ws = (wsId: string) => `/v1/workspaces/${enc(wsId)}`;
const install = (wsId: string, installId: string) => `${ws(wsId)}/installs/${enc(installId)}`;
const run = (wsId: string, runId: string) => `${ws(wsId)}/runs/${enc(runId)}`;
const agent = (agentId: string) => `/v1/agents/${enc(agentId)}`;
const pageQuery = (o: PageOpts) => ({ cursor: o.cursor, limit: o.limit });

// Catalog
export const listAgents = (q: CatalogQuery = {}, o: Opts = {}) =>
  get<Page<AgentSummary>>('/v1/agents', { ...o, query: { q: q.q || undefined, category: q.category, pricing: q.pricing, minRating: q.minRating, sort: q.sort, limit: q.limit, cursor: q.cursor } });
export const getAgent = (agentId: string, o: Opts = {}) => get<Agent>(agent(agentId), o);
export const listVersions = (agentId: string, o: Opts = {}) => get<{ items: AgentVersion[] }>(`${agent(agentId)}/versions`, o);
export const getVersion = (agentId: string, version: string, o: Opts = {}) => get<AgentVersionDetail>(`${agent(agentId)}/versions/${enc(version)}`, o);
export const listReviews = (agentId: string, o: PageOpts = {}) => get<Page<Review>>(`${agent(agentId)}/reviews`, { ...o, query: pageQuery(o) });
export const putMyReview = (agentId: string, body: PutReview, o: Opts = {}) =>
  put<Review & { agentRating: { avg: number; count: number } }>(`${agent(agentId)}/reviews/mine`, body, o);

// Workspaces, members, API keys
export const listWorkspaces = (o: PageOpts = {}) => get<Page<Workspace>>('/v1/workspaces', { ...o, query: pageQuery(o) });
export const createWorkspace = (body: CreateWorkspace, o: Opts = {}) => create<Workspace>('/v1/workspaces', body, o);
export const getWorkspace = (wsId: string, o: Opts = {}) => get<Omit<Workspace, 'role'> & { role: Role | null }>(ws(wsId), o);
export const listMembers = (wsId: string, o: PageOpts = {}) => get<Page<Member>>(`${ws(wsId)}/members`, { ...o, query: pageQuery(o) });
export const addMember = (wsId: string, body: AddMember, o: Opts = {}) => create<Member>(`${ws(wsId)}/members`, body, o);
export const changeMemberRole = (wsId: string, uid: string, role: Role, o: Opts = {}) => patch<Member>(`${ws(wsId)}/members/${enc(uid)}`, { role }, o);
export const removeMember = (wsId: string, uid: string, o: Opts = {}) => del<undefined>(`${ws(wsId)}/members/${enc(uid)}`, o);
export const listApiKeys = (wsId: string, o: PageOpts = {}) => get<Page<ApiKey>>(`${ws(wsId)}/api-keys`, { ...o, query: pageQuery(o) });
/** Not idempotent on the server (a replay would have to store the secret): sent once, never retried. */
export const createApiKey = (wsId: string, body: CreateApiKey, o: Opts = {}) => post<CreatedApiKey>(`${ws(wsId)}/api-keys`, body, o);
export const revokeApiKey = (wsId: string, keyId: string, o: Opts = {}) => del<ApiKey>(`${ws(wsId)}/api-keys/${enc(keyId)}`, o);
export const getMetrics = (wsId: string, o: Opts = {}) => get<WorkspaceMetrics>(`${ws(wsId)}/metrics`, o);

// Installs and the wizard
export const listInstalls = (wsId: string, o: PageOpts = {}) => get<Page<Install>>(`${ws(wsId)}/installs`, { ...o, query: pageQuery(o) });
export const getInstall = (wsId: string, installId: string, o: Opts = {}) => get<Install>(install(wsId, installId), o);
/** Wizard step 1: a draft install of the agent (its latest version unless one is named). */
export const startInstall = (wsId: string, body: CreateInstall, o: Opts = {}) => create<Install>(`${ws(wsId)}/installs`, body, o);
export const chooseVersion = (wsId: string, installId: string, version: string, o: Opts = {}) => put<Install>(`${install(wsId, installId)}/version`, { version }, o);
export const configureInstall = (wsId: string, installId: string, config: Record<string, unknown>, o: Opts = {}) =>
  put<Install>(`${install(wsId, installId)}/config`, { config }, o);
export const setInstallSecret = (wsId: string, installId: string, name: string, value: string, o: Opts = {}) =>
  put<Install>(`${install(wsId, installId)}/secrets/${enc(name)}`, { value }, o);
export const removeInstallSecret = (wsId: string, installId: string, name: string, o: Opts = {}) => del<Install>(`${install(wsId, installId)}/secrets/${enc(name)}`, o);
export const consentInstall = (wsId: string, installId: string, scopes: string[], o: Opts = {}) => put<Install>(`${install(wsId, installId)}/consent`, { scopes }, o);
export const setInstallTriggers = (wsId: string, installId: string, body: Triggers, o: Opts = {}) => put<TriggersResult>(`${install(wsId, installId)}/triggers`, body, o);
export const reviewInstall = (wsId: string, installId: string, o: Opts = {}) => get<InstallReview>(`${install(wsId, installId)}/review`, o);
export const deployInstall = (wsId: string, installId: string, o: Opts = {}) => post<Install>(`${install(wsId, installId)}/deploy`, undefined, o);

// Runs
export const triggerRun = (wsId: string, installId: string, body: TriggerRun = {}, o: Opts = {}) => create<Run>(`${install(wsId, installId)}/runs`, body, o);
export const listRuns = (wsId: string, o: PageOpts & { installId?: string | undefined; state?: RunState | undefined } = {}) =>
  get<Page<Run>>(`${ws(wsId)}/runs`, { ...o, query: { ...pageQuery(o), installId: o.installId, state: o.state } });
export const getRun = (wsId: string, runId: string, o: Opts = {}) => get<Run>(run(wsId, runId), o);
export const listRunEvents = (wsId: string, runId: string, o: Opts = {}) => get<{ items: RunEvent[] }>(`${run(wsId, runId)}/events`, o);
export const cancelRun = (wsId: string, runId: string, o: Opts = {}) => post<Run>(`${run(wsId, runId)}/cancel`, undefined, o);
/** The run's server-sent event stream (read by live/sseTransport.ts, with fetch: it needs the ID token). */
export const runStreamPath = (wsId: string, runId: string) => `${run(wsId, runId)}/stream`;
