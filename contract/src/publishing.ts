import { z } from 'zod';
import { Name, Timestamp, UserId } from './common.js';
import { AgentId, PublisherId, SemVer } from './manifest.js';
import { ScanReport } from './scanReport.js';

/**
 * The developer portal (docs/publishing.md): publishers and their members, version
 * submissions, the scan and review pipeline, and a version's life after it is published.
 */

/** What a member of a publisher may do: owners everything; admins all but owners and payouts; developers submit and manage versions; viewers read. */
export const PublisherRole = z.enum(['owner', 'admin', 'developer', 'viewer']);
export type PublisherRole = z.infer<typeof PublisherRole>;

export const CreatePublisherIn = z.object({ id: PublisherId, name: Name(80) }).strict();

export const PublisherOut = z
  .object({ id: PublisherId, name: z.string(), createdAt: Timestamp, memberCount: z.number().int(), myRole: PublisherRole })
  .meta({ id: 'Publisher' });
export type Publisher = z.output<typeof PublisherOut>;

export const PublisherMemberOut = z
  .object({ uid: UserId, email: z.string().nullable(), role: PublisherRole, addedAt: Timestamp, addedBy: z.string() })
  .meta({ id: 'PublisherMember' });
export type PublisherMember = z.output<typeof PublisherMemberOut>;

/** A member is added by the email of an existing account. */
export const AddPublisherMemberIn = z.object({ email: z.email().max(320), role: PublisherRole }).strict();
export const ChangePublisherMemberIn = z.object({ role: PublisherRole }).strict();

/**
 * A version's way through the pipeline: submitted (scan pending) → scan_failed | in_review →
 * changes_requested | approved (build and deploy) → build_failed | published. A version that
 * was never published may be submitted again under the same number.
 */
export const VersionState = z.enum(['submitted', 'scan_failed', 'in_review', 'changes_requested', 'approved', 'build_failed', 'published']);
export type VersionState = z.infer<typeof VersionState>;

/** The largest bundle sent inline (base64 in the JSON body); larger ones go through an upload URL. */
export const MAX_INLINE_BUNDLE_BYTES = 8 * 1024 * 1024;
/** The largest bundle at all. */
export const MAX_BUNDLE_BYTES = 50 * 1024 * 1024;

export const UploadId = z.string().regex(/^[A-Za-z0-9]{16,64}$/, 'an upload id');

export const CreateBundleUploadIn = z.object({ sizeBytes: z.number().int().min(1).max(MAX_BUNDLE_BYTES) }).strict();

export const BundleUploadOut = z
  .object({
    uploadId: UploadId,
    url: z.string(),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()),
    expiresAt: Timestamp,
    maxBytes: z.number().int(),
  })
  .meta({ id: 'BundleUpload' });
export type BundleUpload = z.output<typeof BundleUploadOut>;

const Base64 = z
  .string()
  .max(Math.ceil(MAX_INLINE_BUNDLE_BYTES / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 text');

export const SubmitVersionIn = z
  .object({
    /** The agent.yaml text; its `id` and `publisher` must match the path. */
    manifest: z.string().min(1).max(64 * 1024),
    /** The source bundle: a gzip tarball of the agent folder, inline or uploaded first. */
    bundle: z.union([z.object({ base64: Base64 }).strict(), z.object({ uploadId: UploadId }).strict()]),
    /** Markdown; defaults to the manifest's releaseNotes. */
    releaseNotes: z.string().max(10_000).optional(),
  })
  .strict();

export const ReviewDecision = z.enum(['approved', 'changes_requested']);

export const VersionHistoryEntry = z.object({ at: Timestamp, state: VersionState, by: z.string(), note: z.string().nullable() });

export const DeveloperVersionOut = z
  .object({
    agentId: AgentId,
    publisherId: PublisherId,
    version: SemVer,
    state: VersionState,
    releaseNotes: z.string().nullable(),
    submittedAt: Timestamp,
    submittedBy: z.string(),
    bundle: z.object({ sha256: z.string(), sizeBytes: z.number().int() }),
    scan: ScanReport.nullable(),
    review: z.object({ decision: ReviewDecision, comments: z.string(), by: z.string(), at: Timestamp }).nullable(),
    build: z
      .object({ state: z.enum(['working', 'succeeded', 'failed']), image: z.string().nullable(), reason: z.string().nullable(), logUrl: z.string().nullable() })
      .nullable(),
    publishedAt: Timestamp.nullable(),
    deprecated: z.object({ at: Timestamp, message: z.string() }).nullable(),
    yanked: z.object({ at: Timestamp, reason: z.string() }).nullable(),
    history: z.array(VersionHistoryEntry),
  })
  .meta({ id: 'DeveloperVersion' });
export type DeveloperVersion = z.output<typeof DeveloperVersionOut>;

/** One of a publisher's agents as its developers see it (drafts included). */
export const DeveloperAgentOut = z
  .object({
    id: AgentId,
    name: z.string(),
    state: z.enum(['draft', 'in_review', 'published', 'suspended']),
    latestVersion: z.string().nullable(),
    versions: z.array(z.object({ version: z.string(), state: VersionState, deprecated: z.boolean(), yanked: z.boolean() })),
  })
  .meta({ id: 'DeveloperAgent' });
export type DeveloperAgent = z.output<typeof DeveloperAgentOut>;

export const ReviewCommentsIn = z.object({ comments: z.string().trim().min(1).max(5000) }).strict();
export const ApproveVersionIn = z.object({ comments: z.string().trim().max(5000).default('') }).strict();
export const DeprecateVersionIn = z.object({ message: z.string().trim().min(1).max(500) }).strict();
export const YankVersionIn = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

/** A version waiting for a platform admin, oldest first. */
export const ReviewQueueItemOut = z
  .object({
    agentId: AgentId,
    publisherId: PublisherId,
    version: SemVer,
    submittedAt: Timestamp,
    submittedBy: z.string(),
    scan: ScanReport.nullable(),
    /** Scopes added since the agent's latest published version (all of them for a first version). */
    newScopes: z.array(z.string()),
  })
  .meta({ id: 'ReviewQueueItem' });
export type ReviewQueueItem = z.output<typeof ReviewQueueItemOut>;

/** Run outcomes over a period (docs/publishing.md "Analytics"): counts, success rate, and p95 duration from a histogram (an upper bound, within one bucket). */
export const RunStatsOut = z.object({
  total: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  timedOut: z.number().int(),
  canceled: z.number().int(),
  /** succeeded / (runs that ended other than canceled); null with none. */
  successRate: z.number().min(0).max(1).nullable(),
  p95DurationMs: z.number().int().nullable(),
});

const MoneyShape = z.object({ amountMinor: z.number().int(), currency: z.string() });

export const AgentAnalyticsOut = z
  .object({
    agentId: AgentId,
    name: z.string(),
    installs: z.object({ total: z.number().int(), active: z.number().int() }),
    runs: RunStatsOut,
    revenue: z.object({ gross: MoneyShape, publisherShare: MoneyShape }),
    rating: z.object({ avg: z.number(), count: z.number().int() }),
    versions: z.array(z.object({ version: z.string(), activeInstalls: z.number().int(), runs: RunStatsOut })),
    /** One entry per day of the period, oldest first (days without runs included, as zeros). */
    daily: z.array(z.object({ day: z.string(), runs: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), p95DurationMs: z.number().int().nullable() })),
    /** Reviews by the month of their last edit, oldest first. */
    ratingsByMonth: z.array(z.object({ month: z.string(), avg: z.number(), count: z.number().int() })),
    /** Paid revenue by month (reversals netted), oldest first. */
    revenueByMonth: z.array(z.object({ month: z.string(), gross: MoneyShape, publisherShare: MoneyShape })),
  })
  .meta({ id: 'AgentAnalytics' });
export type AgentAnalytics = z.output<typeof AgentAnalyticsOut>;

export const AnalyticsQuery = z.object({ days: z.coerce.number<number>().int().min(1).max(90).default(30) }).strict();

export const PublisherAnalyticsOut = z
  .object({ publisherId: PublisherId, from: z.string(), to: z.string(), agents: z.array(AgentAnalyticsOut) })
  .meta({ id: 'PublisherAnalytics' });
export type PublisherAnalytics = z.output<typeof PublisherAnalyticsOut>;
