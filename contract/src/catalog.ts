import { z } from 'zod';
import { Timestamp } from './common.js';
import { Category, Manifest, PricingModel, PublisherId, Tag } from './manifest.js';

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

export const AgentVersionOut = z
  .object({
    version: z.string(),
    releaseNotes: z.string().nullable(),
    publishedAt: Timestamp,
    /** Its publisher deprecated it: still installable, with this message. */
    deprecated: z.object({ at: Timestamp, message: z.string() }).nullable().default(null),
    /** Yanked: not installable; installs on it are told to upgrade. */
    yanked: z.object({ at: Timestamp, reason: z.string() }).nullable().default(null),
  })
  .meta({ id: 'AgentVersion' });
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
