import { z } from 'zod';
import { Ack, UserId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { AgentId, PublisherId, SemVer } from '../manifest.js';
import {
  AddPublisherMemberIn,
  AnalyticsQuery,
  PublisherAnalyticsOut,
  ApproveVersionIn,
  BundleUploadOut,
  ChangePublisherMemberIn,
  CreateBundleUploadIn,
  CreatePublisherIn,
  DeprecateVersionIn,
  DeveloperAgentOut,
  DeveloperVersionOut,
  PublisherMemberOut,
  PublisherOut,
  ReviewCommentsIn,
  ReviewQueueItemOut,
  SubmitVersionIn,
  YankVersionIn,
} from '../publishing.js';

/**
 * The developer portal's operations (docs/publishing.md). A publisher's routes are for its
 * members only, by role, checked by the use case: to anyone else a publisher, and its agents,
 * do not exist (404). The review routes are for platform admins.
 */
const member = { kind: 'user' } as const;
const tags = ['publishing'];
const PublisherParams = z.object({ publisherId: PublisherId }).strict();
const MemberParams = PublisherParams.extend({ uid: UserId }).strict();
const AgentParams = PublisherParams.extend({ agentId: AgentId }).strict();
const VersionParams = AgentParams.extend({ version: SemVer.max(64) }).strict();
const AdminVersionParams = z.object({ agentId: AgentId, version: SemVer.max(64) }).strict();

const versionResponse = { status: 200, schema: DeveloperVersionOut, description: 'The version' } as const;
const versionErrors = [404, 409] as const;

export const publishingEndpoints = {
  listMyPublishers: endpoint('listMyPublishers', {
    summary: 'The publishers the caller is a member of',
    tags,
    access: member,
    response: { status: 200, schema: z.object({ items: z.array(PublisherOut) }), description: 'Publishers' },
  }),
  createPublisher: endpoint('createPublisher', {
    summary: 'Create a publisher (the caller becomes its owner); its id names it in every manifest',
    tags,
    access: member,
    body: CreatePublisherIn,
    response: { status: 201, schema: PublisherOut, description: 'The publisher' },
    errors: [409],
  }),
  getPublisher: endpoint('getPublisher', {
    summary: 'One publisher',
    tags,
    access: member,
    params: PublisherParams,
    response: { status: 200, schema: PublisherOut, description: 'The publisher' },
    errors: [404],
  }),
  listPublisherMembers: endpoint('listPublisherMembers', {
    summary: "A publisher's members and their roles",
    tags,
    access: member,
    params: PublisherParams,
    response: { status: 200, schema: z.object({ items: z.array(PublisherMemberOut) }), description: 'Members' },
    errors: [404],
  }),
  addPublisherMember: endpoint('addPublisherMember', {
    summary: 'Add a member by the email of an existing account (owners and admins; only an owner adds an owner)',
    tags,
    access: member,
    params: PublisherParams,
    body: AddPublisherMemberIn,
    response: { status: 201, schema: PublisherMemberOut, description: 'The member' },
    errors: [403, 404, 409],
  }),
  changePublisherMember: endpoint('changePublisherMember', {
    summary: "Change a member's role (the last owner stays an owner)",
    tags,
    access: member,
    params: MemberParams,
    body: ChangePublisherMemberIn,
    response: { status: 200, schema: PublisherMemberOut, description: 'The member' },
    errors: [403, 404, 409],
  }),
  removePublisherMember: endpoint('removePublisherMember', {
    summary: 'Remove a member (anyone may leave; the last owner may not)',
    tags,
    access: member,
    params: MemberParams,
    response: { status: 200, schema: Ack, description: 'Removed' },
    errors: [403, 404, 409],
  }),
  listPublisherAgents: endpoint('listPublisherAgents', {
    summary: "A publisher's agents with every version's state, drafts included",
    tags,
    access: member,
    params: PublisherParams,
    response: { status: 200, schema: z.object({ items: z.array(DeveloperAgentOut) }), description: 'Agents' },
    errors: [404],
  }),
  createBundleUpload: endpoint('createBundleUpload', {
    summary: 'A URL to upload a large source bundle to (PUT the gzip tarball with the given headers), then submit it by its upload id',
    tags,
    access: member,
    params: AgentParams,
    body: CreateBundleUploadIn,
    response: { status: 201, schema: BundleUploadOut, description: 'Where to upload' },
    errors: [404, 413],
  }),
  submitVersion: endpoint('submitVersion', {
    summary: 'Submit a version: its agent.yaml and source bundle. It starts `submitted`; the scan, then review, follow',
    tags,
    access: member,
    params: AgentParams,
    body: SubmitVersionIn,
    response: { status: 202, schema: DeveloperVersionOut, description: 'The submitted version' },
    errors: [404, 409, 413],
  }),
  listDeveloperVersions: endpoint('listDeveloperVersions', {
    summary: "An agent's versions in every state, newest (by semver) first",
    tags,
    access: member,
    params: AgentParams,
    response: { status: 200, schema: z.object({ items: z.array(DeveloperVersionOut) }), description: 'Versions' },
    errors: [404],
  }),
  getDeveloperVersion: endpoint('getDeveloperVersion', {
    summary: 'One version with its scan report, review, build and history',
    tags,
    access: member,
    params: VersionParams,
    response: { status: 200, schema: DeveloperVersionOut, description: 'The version' },
    errors: [404],
  }),
  deprecateVersion: endpoint('deprecateVersion', {
    summary: 'Deprecate a published version: still installable, shown with the message; the catalog prefers other versions',
    tags,
    access: member,
    params: VersionParams,
    body: DeprecateVersionIn,
    response: versionResponse,
    errors: versionErrors,
  }),
  undeprecateVersion: endpoint('undeprecateVersion', {
    summary: 'Lift a deprecation',
    tags,
    access: member,
    params: VersionParams,
    response: versionResponse,
    errors: versionErrors,
  }),
  yankVersion: endpoint('yankVersion', {
    summary: 'Yank a published version: no new installs; installs on it are told to upgrade (they keep running it)',
    tags,
    access: member,
    params: VersionParams,
    body: YankVersionIn,
    response: versionResponse,
    errors: versionErrors,
  }),
  unyankVersion: endpoint('unyankVersion', {
    summary: 'Undo a yank',
    tags,
    access: member,
    params: VersionParams,
    response: versionResponse,
    errors: versionErrors,
  }),
  getPublisherAnalytics: endpoint('getPublisherAnalytics', {
    summary: "A publisher's agents over the last `days`: installs, runs, success rate, p95 duration, revenue and ratings, per agent and version",
    tags,
    access: member,
    params: PublisherParams,
    query: AnalyticsQuery,
    response: { status: 200, schema: PublisherAnalyticsOut, description: 'Analytics' },
    errors: [404],
  }),
  listReviewQueue: endpoint('listReviewQueue', {
    summary: 'Versions waiting for review, oldest first (platform admins)',
    tags,
    access: member,
    response: { status: 200, schema: z.object({ items: z.array(ReviewQueueItemOut) }), description: 'The queue' },
    errors: [403],
  }),
  approveVersion: endpoint('approveVersion', {
    summary: 'Approve a version in review: its image is built, its job deployed, then it is published (platform admins)',
    tags,
    access: member,
    params: AdminVersionParams,
    body: ApproveVersionIn,
    response: { status: 200, schema: DeveloperVersionOut, description: 'The version' },
    errors: [403, 404, 409],
  }),
  requestVersionChanges: endpoint('requestVersionChanges', {
    summary: 'Send a version in review back to its developers with comments (platform admins)',
    tags,
    access: member,
    params: AdminVersionParams,
    body: ReviewCommentsIn,
    response: { status: 200, schema: DeveloperVersionOut, description: 'The version' },
    errors: [403, 404, 409],
  }),
};
