import { endpoints } from '@agent-marketplace/contract';
import { publisherAnalytics } from '../../app/publishing/analytics.js';
import { changeVersionLifecycle } from '../../app/publishing/lifecycle.js';
import {
  addPublisherMember,
  changePublisherMember,
  createPublisher,
  getPublisher,
  listMyPublishers,
  listPublisherMembers,
  removePublisherMember,
} from '../../app/publishing/publishers.js';
import { decideVersion, listReviewQueue } from '../../app/publishing/review.js';
import { createBundleUpload, getDeveloperVersion, listDeveloperVersions, listPublisherAgents, submitVersion } from '../../app/publishing/submissions.js';
import { implement } from '../route.js';

/** The developer portal (docs/publishing.md): publishers, members, submissions, versions, analytics and review. */
export const publishingRoutes = [
  implement(endpoints.listMyPublishers, async ({ deps, principal }) => ({ body: await listMyPublishers(deps, principal) })),
  implement(endpoints.createPublisher, async ({ deps, principal, body }) => ({ status: 201, body: await createPublisher(deps, principal, body) })),
  implement(endpoints.getPublisher, async ({ deps, principal, params }) => ({ body: await getPublisher(deps, principal, params.publisherId) })),
  implement(endpoints.listPublisherMembers, async ({ deps, principal, params }) => ({ body: await listPublisherMembers(deps, principal, params.publisherId) })),
  implement(endpoints.addPublisherMember, async ({ deps, principal, params, body }) => ({ status: 201, body: await addPublisherMember(deps, principal, params.publisherId, body) })),
  implement(endpoints.changePublisherMember, async ({ deps, principal, params, body }) => ({ body: await changePublisherMember(deps, principal, params.publisherId, params.uid, body) })),
  implement(endpoints.removePublisherMember, async ({ deps, principal, params }) => ({ body: await removePublisherMember(deps, principal, params.publisherId, params.uid) })),
  implement(endpoints.listPublisherAgents, async ({ deps, principal, params }) => ({ body: await listPublisherAgents(deps, principal, params.publisherId) })),
  implement(endpoints.createBundleUpload, async ({ deps, principal, params, body }) => ({
    status: 201,
    body: await createBundleUpload(deps, principal, params.publisherId, params.agentId, body),
  })),
  implement(endpoints.submitVersion, async ({ deps, principal, params, body }) => ({
    status: 202,
    body: await submitVersion(deps, principal, params.publisherId, params.agentId, body),
  })),
  implement(endpoints.listDeveloperVersions, async ({ deps, principal, params }) => ({ body: await listDeveloperVersions(deps, principal, params.publisherId, params.agentId) })),
  implement(endpoints.getDeveloperVersion, async ({ deps, principal, params }) => ({
    body: await getDeveloperVersion(deps, principal, params.publisherId, params.agentId, params.version),
  })),
  implement(endpoints.deprecateVersion, async ({ deps, principal, params, body }) => ({
    body: await changeVersionLifecycle(deps, principal, params.publisherId, params.agentId, params.version, { kind: 'deprecate', message: body.message }),
  })),
  implement(endpoints.undeprecateVersion, async ({ deps, principal, params }) => ({
    body: await changeVersionLifecycle(deps, principal, params.publisherId, params.agentId, params.version, { kind: 'undeprecate' }),
  })),
  implement(endpoints.yankVersion, async ({ deps, principal, params, body }) => ({
    body: await changeVersionLifecycle(deps, principal, params.publisherId, params.agentId, params.version, { kind: 'yank', reason: body.reason }),
  })),
  implement(endpoints.unyankVersion, async ({ deps, principal, params }) => ({
    body: await changeVersionLifecycle(deps, principal, params.publisherId, params.agentId, params.version, { kind: 'unyank' }),
  })),
  implement(endpoints.getPublisherAnalytics, async ({ deps, principal, params, query }) => ({ body: await publisherAnalytics(deps, principal, params.publisherId, query) })),
  implement(endpoints.listReviewQueue, async ({ deps, principal }) => ({ body: await listReviewQueue(deps, principal) })),
  implement(endpoints.approveVersion, async ({ deps, principal, params, body }) => ({
    body: await decideVersion(deps, principal, params.agentId, params.version, 'approved', body.comments),
  })),
  implement(endpoints.requestVersionChanges, async ({ deps, principal, params, body }) => ({
    body: await decideVersion(deps, principal, params.agentId, params.version, 'changes_requested', body.comments),
  })),
];
