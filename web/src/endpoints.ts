/** The API routes this client uses, typed by the shared contract. */
import { create, get } from './api.ts';
import type { Agent, AgentSummary, CreateInstall, CreateWorkspace, Install, Page, Run, TriggerRun, Workspace } from './contract.ts';

type Opts = { signal?: AbortSignal };
type PageOpts = Opts & { cursor?: string | undefined; limit?: number };

const ws = (wsId: string) => `/v1/workspaces/${encodeURIComponent(wsId)}`;
const pageQuery = (o: PageOpts) => ({ cursor: o.cursor, limit: o.limit });

export const listAgents = (o: PageOpts = {}) => get<Page<AgentSummary>>('/v1/agents', { ...o, query: pageQuery(o) });
export const getAgent = (agentId: string, o: Opts = {}) => get<Agent>(`/v1/agents/${encodeURIComponent(agentId)}`, o);

export const listWorkspaces = (o: PageOpts = {}) => get<Page<Workspace>>('/v1/workspaces', { ...o, query: pageQuery(o) });
export const createWorkspace = (body: CreateWorkspace, o: Opts = {}) => create<Workspace>('/v1/workspaces', body, o);

export const listInstalls = (wsId: string, o: PageOpts = {}) => get<Page<Install>>(`${ws(wsId)}/installs`, { ...o, query: pageQuery(o) });
export const installAgent = (wsId: string, body: CreateInstall, o: Opts = {}) => create<Install>(`${ws(wsId)}/installs`, body, o);

export const triggerRun = (wsId: string, installId: string, body: TriggerRun = {}, o: Opts = {}) =>
  create<Run>(`${ws(wsId)}/installs/${encodeURIComponent(installId)}/runs`, body, o);
export const listRuns = (wsId: string, o: PageOpts = {}) => get<Page<Run>>(`${ws(wsId)}/runs`, { ...o, query: pageQuery(o) });
