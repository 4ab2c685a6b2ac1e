import { z } from 'zod';
import { getAgent, listAgents } from '../../app/catalog.js';
import type { AgentListing } from '../../domain/models.js';
import { defineRoute } from '../route.js';
import { AgentOut, AgentSummaryOut, PageQuery, pageOf } from '../schemas.js';

const summary = (a: AgentListing) => a;

export const catalogRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/agents',
    operationId: 'listAgents',
    summary: 'Published agents in the marketplace',
    tags: ['catalog'],
    access: { kind: 'public' },
    query: PageQuery,
    response: { status: 200, schema: pageOf(AgentSummaryOut), description: 'A page of agents' },
    handler: async ({ deps, query }) => {
      const page = await listAgents(deps, query);
      return { body: { items: page.items.map(summary), nextCursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/agents/:agentId',
    operationId: 'getAgent',
    summary: 'A published agent with its latest manifest',
    tags: ['catalog'],
    access: { kind: 'public' },
    params: z.object({ agentId: z.string().regex(/^[a-z][a-z0-9-]{2,62}$/) }).strict(),
    response: { status: 200, schema: AgentOut, description: 'The agent' },
    handler: async ({ deps, params }) => {
      const { listing, manifest } = await getAgent(deps, params.agentId);
      return { body: { ...listing, manifest } };
    },
  }),
];
