/** The API routes this client uses, typed by the shared contract. */
import { create, get, put } from './api.ts';
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
/**
 * One-click install for agents that need nothing more than consent (the full six-step wizard
 * is its own page): start a draft, accept the version's permissions, deploy.
 */
export async function installAgent(wsId: string, body: CreateInstall & { scopes: string[] }, o: Opts = {}): Promise<Install> {
  const draft = await create<Install>(`${ws(wsId)}/installs`, { agentId: body.agentId, ...(body.version ? { version: body.version } : {}) }, o);
  const path = `${ws(wsId)}/installs/${encodeURIComponent(draft.id)}`;
  await put<Install>(`${path}/consent`, { scopes: body.scopes }, o);
  return create<Install>(`${path}/deploy`, undefined, o);
}

export const triggerRun = (wsId: string, installId: string, body: TriggerRun = {}, o: Opts = {}) =>
  create<Run>(`${ws(wsId)}/installs/${encodeURIComponent(installId)}/runs`, body, o);
export const listRuns = (wsId: string, o: PageOpts = {}) => get<Page<Run>>(`${ws(wsId)}/runs`, { ...o, query: pageQuery(o) });
