import { admitAnonymousSearch } from '../../app/shared/rateLimits.js';
import { endpoints, manifestJsonSchema } from '@agent-marketplace/contract';
import { getAgent, getVersion, listReviews, listVersions, putReview, searchAgents } from '../../app/catalog/catalog.js';
import { parseManifest } from '../../app/catalog/publishAgent.js';
import { implement } from '../route.js';
import { grantFor } from '../../domain/cloud/scopeTable.js';

let manifestSchemaCache: Record<string, unknown> | undefined;

export const catalogRoutes = [
  implement(endpoints.listAgents, async ({ deps, query, principal, clientIp }) => {
      if (!principal) await admitAnonymousSearch(deps, clientIp);
      const page = await searchAgents(deps, query);
      return { body: { items: page.items, nextCursor: page.nextCursor }, headers: { 'X-Catalog-Scanned': String(page.scanned) } };
    }),
  implement(endpoints.getAgent, async ({ deps, params }) => {
      const { listing, manifest, yaml, view } = await getAgent(deps, params.agentId);
      return { body: { ...listing, manifest, view, yaml } };
    }),
  implement(endpoints.listAgentVersions, async ({ deps, params }) => ({ body: { items: await listVersions(deps, params.agentId) } })),
  implement(endpoints.getAgentVersion, async ({ deps, params }) => ({ body: await getVersion(deps, params.agentId, params.version) })),
  implement(endpoints.getAgentCloudPermissions, async ({ deps, params }) => {
      const { manifest } = await getVersion(deps, params.agentId, params.version);
      const scopes = manifest.permissions.map((p) => p.scope);
      const of = (provider: 'gcp' | 'aws') => {
        const g = grantFor(provider, scopes);
        return { scopes: g.perScope, unsupported: g.unsupported };
      };
      return { body: { gcp: of('gcp'), aws: of('aws') } };
    }),
  implement(endpoints.listReviews, async ({ deps, params, query }) => ({ body: await listReviews(deps, params.agentId, query) })),
  implement(endpoints.putMyReview, async ({ deps, principal, params, body }) => {
      if (principal?.kind !== 'user') throw new Error('user route without a user');
      const { review, ratingAvg, ratingCount } = await putReview(deps, principal, params.agentId, body);
      return { body: { ...review, agentRating: { avg: ratingAvg, count: ratingCount } } };
    }),
  implement(endpoints.validateManifest, async ({ body }) => ({ body: { valid: true, manifest: parseManifest(body.yaml) } })),
  implement(endpoints.agentManifestSchema, async () => ({ body: (manifestSchemaCache ??= manifestJsonSchema()) })),
];
