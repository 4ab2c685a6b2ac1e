import { z } from 'zod';
import { PageQuery, pageOf, Timestamp } from './common.js';
import { endpoint } from './endpoint.js';
import { AgentId, Category, Manifest, PricingModel, PublisherId, Tag } from './manifest.js';

export const SortKey = z.enum(['popular', 'rating', 'newest', 'name']);
export type SortKey = z.infer<typeof SortKey>;

// eslint-disable-next-line no-control-regex -- detecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The catalog search: words (prefixes match), filters, one sort, cursor paging. */
export const CatalogQuery = z
  .object({
    q: z
      .string()
      .max(200, 'a search is at most 200 characters')
      .refine((s) => !CONTROL.test(s), 'control characters are not allowed')
      .optional(),
    category: Category.optional(),
    pricing: PricingModel.optional(),
    publisher: PublisherId.optional(),
    minRating: z.coerce.number<number>().min(1).max(5).optional(),
    tag: Tag.optional(),
    sort: SortKey.default('popular'),
    limit: z.coerce.number<number>().int().min(1).max(50).default(20),
    cursor: z.string().max(1024).optional(),
  })
  .strict();
export type CatalogQuery = z.infer<typeof CatalogQuery>;
/** A catalog search as a client writes it (everything optional: the API fills the defaults). */
export type CatalogSearch = z.input<typeof CatalogQuery>;

export const PricingOut = z.object({ model: z.string(), amountCents: z.number(), currency: z.string(), unit: z.string().nullable() });

export const AgentSummaryOut = z
  .object({
    id: z.string(),
    name: z.string(),
    publisher: z.string(),
    summary: z.string(),
    categories: z.array(z.string()),
    tags: z.array(z.string()),
    latestVersion: z.string(),
    pricingModel: z.string(),
    pricing: PricingOut,
    installCount: z.number().int(),
    ratingAvg: z.number(),
    ratingCount: z.number().int(),
    publishedAt: Timestamp,
  })
  .meta({ id: 'AgentSummary' });
export type AgentSummary = z.output<typeof AgentSummaryOut>;

const PermissionView = z.object({ scope: z.string(), risk: z.string(), reason: z.string() });

/** The manifest arranged for consent screens and the manifest viewer. */
export const ManifestViewOut = z
  .object({
    permissionsByRisk: z.object({ low: z.array(PermissionView), medium: z.array(PermissionView), high: z.array(PermissionView), critical: z.array(PermissionView) }),
    secrets: z.array(z.object({ name: z.string(), description: z.string(), required: z.boolean() })),
    approvals: z.array(z.object({ action: z.string(), description: z.string(), risk: z.string(), levels: z.number() })),
    resources: z.object({ cpu: z.number(), memoryMiB: z.number(), timeoutSeconds: z.number() }),
    pricing: z.object({ model: z.string(), currency: z.string(), amountCents: z.number(), unit: z.string().optional() }),
    memory: z.array(z.string()),
    llm: z.object({ purpose: z.string(), optional: z.boolean() }).nullable(),
    inputs: z.record(z.string(), z.unknown()),
    config: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ManifestView' });
export type ManifestView = z.output<typeof ManifestViewOut>;

export const AgentOut = AgentSummaryOut.extend({
  manifest: Manifest,
  view: ManifestViewOut,
  /** The agent.yaml as published. */
  yaml: z.string(),
}).meta({ id: 'Agent' });
export type Agent = z.output<typeof AgentOut>;

export const AgentVersionOut = z.object({ version: z.string(), releaseNotes: z.string().nullable(), publishedAt: Timestamp }).meta({ id: 'AgentVersion' });
export type AgentVersion = z.output<typeof AgentVersionOut>;

export const AgentVersionDetailOut = AgentVersionOut.extend({ manifest: Manifest, view: ManifestViewOut, yaml: z.string() }).meta({ id: 'AgentVersionDetail' });
export type AgentVersionDetail = z.output<typeof AgentVersionDetailOut>;

export const ReviewOut = z
  .object({ uid: z.string(), authorName: z.string(), rating: z.number().int(), text: z.string(), createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'Review' });
export type Review = z.output<typeof ReviewOut>;

export const PutReviewIn = z
  .object({
    rating: z.number().int().min(1, 'a rating is 1 to 5 stars').max(5, 'a rating is 1 to 5 stars'),
    text: z.string().trim().max(4000).default(''),
  })
  .strict()
  .meta({ id: 'PutReview' });
export type PutReview = z.input<typeof PutReviewIn>;

export const ValidateManifestIn = z.object({ yaml: z.string().min(1).max(64 * 1024) }).strict().meta({ id: 'ValidateManifest' });

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
    params: AgentParams.extend({ version: z.string().max(64) }).strict(),
    response: { status: 200, schema: AgentVersionDetailOut, description: 'The version' },
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
