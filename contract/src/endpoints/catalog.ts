import { z } from 'zod';
import { AgentOut, AgentSummaryOut, AgentVersionDetailOut, AgentVersionOut, CatalogQuery, PutReviewIn, ReviewOut, ValidateManifestIn } from '../catalog.js';
import { PageQuery, pageOf } from '../common.js';
import { endpoint } from '../endpoint.js';
import { AgentCloudPermissionsOut } from '../cloud.js';
import { AgentId, SemVer } from '../manifest.js';

const AgentParams = z.object({ agentId: AgentId }).strict();
const publicAccess = { kind: 'public' } as const;
const tags = ['catalog'];

export const catalogEndpoints = {
  listAgents: endpoint('listAgents', {
    summary: 'Search and filter published agents',
    tags,
    access: publicAccess,
    query: CatalogQuery,
    response: { status: 200, schema: pageOf(AgentSummaryOut), description: 'A page of agents' },
  }),
  getAgent: endpoint('getAgent', {
    summary: 'A published agent: its latest manifest, the manifest viewer data and the raw agent.yaml',
    tags,
    access: publicAccess,
    params: AgentParams,
    response: { status: 200, schema: AgentOut, description: 'The agent' },
  }),
  listAgentVersions: endpoint('listAgentVersions', {
    summary: "An agent's versions with release notes, newest first",
    tags,
    access: publicAccess,
    params: AgentParams,
    response: { status: 200, schema: z.object({ items: z.array(AgentVersionOut) }), description: 'Versions' },
  }),
  getAgentVersion: endpoint('getAgentVersion', {
    summary: 'One version of an agent with its manifest',
    tags,
    access: publicAccess,
    params: AgentParams.extend({ version: SemVer.max(64) }).strict(),
    response: { status: 200, schema: AgentVersionDetailOut, description: 'The version' },
  }),
  getAgentCloudPermissions: endpoint('getAgentCloudPermissions', {
    summary: "What a version's manifest scopes let the agent do on GCP and on AWS, in each provider's own terms (the manifest viewer)",
    tags,
    access: publicAccess,
    params: AgentParams.extend({ version: SemVer.max(64) }).strict(),
    response: { status: 200, schema: AgentCloudPermissionsOut, description: 'Per provider, each scope with its description and permissions' },
  }),
  listReviews: endpoint('listReviews', {
    summary: "An agent's reviews, most recently updated first",
    tags,
    access: publicAccess,
    params: AgentParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(ReviewOut), description: 'A page of reviews' },
  }),
  putMyReview: endpoint('putMyReview', {
    summary: "Create or edit the caller's review (1-5 stars); only after their workspace installed the agent",
    tags,
    access: { kind: 'user' },
    params: AgentParams,
    body: PutReviewIn,
    response: {
      status: 200,
      schema: ReviewOut.extend({ agentRating: z.object({ avg: z.number(), count: z.number().int() }) }).meta({ id: 'MyReview' }),
      description: 'The review and the new aggregate',
    },
  }),
  validateManifest: endpoint('validateManifest', {
    summary: 'Validate an agent.yaml; every problem is listed at its path and line. Nothing is stored.',
    tags,
    access: { kind: 'user' },
    body: ValidateManifestIn,
    response: { status: 200, schema: z.object({ valid: z.literal(true), manifest: z.record(z.string(), z.unknown()) }), description: 'Valid' },
  }),
  agentManifestSchema: endpoint('agentManifestSchema', {
    summary: 'The JSON Schema of agent.yaml, generated from the same zod schema the platform validates with',
    tags,
    access: publicAccess,
    response: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'JSON Schema (2020-12)' },
  }),
};
