import { z } from 'zod';
import { getAgent, getVersion, listReviews, listVersions, putReview, searchAgents } from '../../app/catalog.js';
import { parseManifest } from '../../app/publishAgent.js';
import { CatalogQuery } from '../../domain/catalogSearch.js';
import { ManifestSchema } from '../../domain/manifest.js';
import { defineRoute } from '../route.js';
import { AgentOut, AgentSummaryOut, AgentVersionDetailOut, AgentVersionOut, PageQuery, pageOf, PutReviewIn, ReviewOut, ValidateManifestIn } from '../schemas.js';

const AgentParams = z.object({ agentId: z.string().regex(/^[a-z][a-z0-9-]{2,62}$/, 'an agent id') }).strict();

let manifestJsonSchema: unknown;

export const catalogRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/agents',
    operationId: 'listAgents',
    summary: 'Search and filter published agents',
    tags: ['catalog'],
    access: { kind: 'public' },
    query: CatalogQuery,
    response: { status: 200, schema: pageOf(AgentSummaryOut), description: 'A page of agents' },
    handler: async ({ deps, query }) => {
      const page = await searchAgents(deps, query);
      return { body: { items: page.items, nextCursor: page.nextCursor }, headers: { 'X-Catalog-Scanned': String(page.scanned) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/agents/:agentId',
    operationId: 'getAgent',
    summary: 'A published agent: its latest manifest, the manifest viewer data and the raw agent.yaml',
    tags: ['catalog'],
    access: { kind: 'public' },
    params: AgentParams,
    response: { status: 200, schema: AgentOut, description: 'The agent' },
    handler: async ({ deps, params }) => {
      const { listing, manifest, yaml, view } = await getAgent(deps, params.agentId);
      return { body: { ...listing, manifest, view, yaml } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/agents/:agentId/versions',
    operationId: 'listAgentVersions',
    summary: "An agent's versions with release notes, newest first",
    tags: ['catalog'],
    access: { kind: 'public' },
    params: AgentParams,
    response: { status: 200, schema: z.object({ items: z.array(AgentVersionOut) }), description: 'Versions' },
    handler: async ({ deps, params }) => ({ body: { items: await listVersions(deps, params.agentId) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/agents/:agentId/versions/:version',
    operationId: 'getAgentVersion',
    summary: 'One version of an agent with its manifest',
    tags: ['catalog'],
    access: { kind: 'public' },
    params: AgentParams.extend({ version: z.string().max(64) }).strict(),
    response: { status: 200, schema: AgentVersionDetailOut, description: 'The version' },
    handler: async ({ deps, params }) => ({ body: await getVersion(deps, params.agentId, params.version) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/agents/:agentId/reviews',
    operationId: 'listReviews',
    summary: "An agent's reviews, most recently updated first",
    tags: ['catalog'],
    access: { kind: 'public' },
    params: AgentParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(ReviewOut), description: 'A page of reviews' },
    handler: async ({ deps, params, query }) => ({ body: await listReviews(deps, params.agentId, query) }),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/agents/:agentId/reviews/mine',
    operationId: 'putMyReview',
    summary: "Create or edit the caller's review (1-5 stars); only after their workspace installed the agent",
    tags: ['catalog'],
    access: { kind: 'user' },
    params: AgentParams,
    body: PutReviewIn,
    response: { status: 200, schema: ReviewOut.extend({ agentRating: z.object({ avg: z.number(), count: z.number().int() }) }), description: 'The review and the new aggregate' },
    handler: async ({ deps, principal, params, body }) => {
      if (principal?.kind !== 'user') throw new Error('user route without a user');
      const { review, ratingAvg, ratingCount } = await putReview(deps, principal, params.agentId, body);
      return { body: { ...review, agentRating: { avg: ratingAvg, count: ratingCount } } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/manifests/validate',
    operationId: 'validateManifest',
    summary: 'Validate an agent.yaml; every problem is listed at its path and line. Nothing is stored.',
    tags: ['catalog'],
    access: { kind: 'user' },
    body: ValidateManifestIn,
    response: { status: 200, schema: z.object({ valid: z.literal(true), manifest: z.record(z.string(), z.unknown()) }), description: 'Valid' },
    handler: async ({ body }) => ({ body: { valid: true, manifest: parseManifest(body.yaml) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/schemas/agent-manifest.json',
    operationId: 'agentManifestSchema',
    summary: 'The JSON Schema of agent.yaml, generated from the same zod schema the platform validates with',
    tags: ['catalog'],
    access: { kind: 'public' },
    response: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'JSON Schema (2020-12)' },
    handler: async () => ({ body: (manifestJsonSchema ??= manifestSchemaJson()) }),
  }),
];

export function manifestSchemaJson(): Record<string, unknown> {
  return {
    $id: 'https://agent-marketplace.dev/schemas/agent-manifest.json',
    title: 'Agent Marketplace agent.yaml',
    ...(z.toJSONSchema(ManifestSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
  };
}
