import { describe, expect, it } from 'vitest';
import type { GcpWarning } from '../src/adapters/cloud/gcp/context.ts';
import { GcpCloud } from '../src/adapters/cloud/gcp/gcpCloud.ts';
import { recordedFetch, type RecordedRoute } from '../src/adapters/cloud/gcp/recordedFetch.ts';
import { CloudProviderError, type CloudCredential, type ConnectionTarget } from '../src/app/cloud/ports.ts';

/** Pagination, throttling, auth and partial failures of the GCP adapter, on recorded answers. */

const RUN_TOKEN = 'ya29.SECRET-run-token-0123456789';
const TARGET: ConnectionTarget = { provider: 'gcp', target: { kind: 'project', id: 'acme-prod' }, serviceAccount: 'ws@am.iam.gserviceaccount.com', billingExportTable: null };
const CRED: CloudCredential = { provider: 'gcp', gcp: { accessToken: RUN_TOKEN }, expiresAt: new Date('2030-01-01T00:00:00Z'), secrets: [RUN_TOKEN] };
const C = 'https://compute.googleapis.com/compute/v1/projects/acme-prod';
const SNAPSHOTS = `${C}/global/snapshots`;

function setup(routes: RecordedRoute[], extra: { maxAttempts?: number; maxPages?: number } = {}) {
  const rec = recordedFetch(routes);
  const sleeps: number[] = [];
  const warnings: GcpWarning[] = [];
  const cloud = new GcpCloud({
    platformToken: async () => 'ya29.platform',
    fetch: rec.fetch,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    onWarning: (w) => warnings.push(w),
    ...extra,
  });
  return { cloud, rec, sleeps, warnings };
}
const snap = (name: string) => ({ name, status: 'READY', storageLocations: ['us'] });
const caught = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as CloudProviderError);
const rateLimited = { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: "Quota exceeded for quota metric 'Read requests' of service 'compute.googleapis.com'", errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits' }] } };

describe('pagination', () => {
  it('follows nextPageToken over three pages', async () => {
    const { cloud, rec } = setup([
      { method: 'GET', url: `${SNAPSHOTS}?maxResults=500`, body: { items: [snap('s1')], nextPageToken: 't2' } },
      { method: 'GET', url: `${SNAPSHOTS}?maxResults=500&pageToken=t2`, body: { items: [snap('s2')], nextPageToken: 't3' } },
      { method: 'GET', url: `${SNAPSHOTS}?maxResults=500&pageToken=t3`, body: { items: [snap('s3')] } },
    ]);
    const all = await cloud.list(TARGET, CRED, 'snapshot', {});
    expect(all.map((s) => s.name)).toEqual(['s1', 's2', 's3']);
    expect(rec.requests).toHaveLength(3);
    expect(rec.unmatched).toEqual([]);
  });

  it('stops with a clear error after maxPages rather than loop without end', async () => {
    let n = 0;
    const { cloud, rec } = setup([{ method: 'GET', url: /global\/snapshots/, body: () => ({ items: [snap(`s${n}`)], nextPageToken: `t${++n}` }) }], { maxPages: 4 });
    const err = await caught(cloud.list(TARGET, CRED, 'snapshot', {}));
    expect(err).toMatchObject({ reason: 'unavailable', message: expect.stringContaining('more than 4 pages') });
    expect(rec.requests).toHaveLength(4);
  });

  it('stops when Google answers the same page token twice', async () => {
    const { cloud } = setup([{ method: 'GET', url: /global\/snapshots/, body: { items: [], nextPageToken: 'same' } }]);
    expect(await caught(cloud.list(TARGET, CRED, 'snapshot', {}))).toMatchObject({ reason: 'unavailable', message: expect.stringContaining('same page token') });
  });
});

describe('throttling', () => {
  it('retries a 429 twice with exponential backoff and jitter, honouring Retry-After, then succeeds', async () => {
    const { cloud, rec, sleeps } = setup([
      { method: 'GET', url: /global\/snapshots/, status: 429, body: rateLimited, times: 1 },
      { method: 'GET', url: /global\/snapshots/, status: 429, body: rateLimited, headers: { 'retry-after': '7' }, times: 1 },
      { method: 'GET', url: /global\/snapshots/, body: { items: [snap('s1')] } },
    ]);
    const all = await cloud.list(TARGET, CRED, 'snapshot', {});
    expect(all.map((s) => s.name)).toEqual(['s1']);
    expect(rec.requests).toHaveLength(3);
    // First wait: backoff 500ms, half fixed + half × random(0.5) = 375; second: Retry-After's 7s.
    expect(sleeps).toEqual([375, 7000]);
  });

  it('retries 403 quota errors (rateLimitExceeded, RESOURCE_EXHAUSTED) and 503, with growing waits', async () => {
    const { cloud, sleeps } = setup([
      { method: 'GET', url: /global\/snapshots/, status: 403, body: { error: { code: 403, message: 'Rate Limit Exceeded', errors: [{ reason: 'userRateLimitExceeded' }] } }, times: 1 },
      { method: 'GET', url: /global\/snapshots/, status: 403, body: { error: { code: 403, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded' } }, times: 1 },
      { method: 'GET', url: /global\/snapshots/, status: 503, body: { error: { code: 503, status: 'UNAVAILABLE', message: 'try again' } }, times: 1 },
      { method: 'GET', url: /global\/snapshots/, body: { items: [] } },
    ]);
    expect(await cloud.list(TARGET, CRED, 'snapshot', {})).toEqual([]);
    expect(sleeps).toEqual([375, 750, 1500]);
  });

  it('fails readably as throttled after maxAttempts when every call is throttled', async () => {
    const { cloud, rec, sleeps } = setup([{ method: 'GET', url: /global\/snapshots/, status: 429, body: rateLimited }], { maxAttempts: 4 });
    const err = await caught(cloud.list(TARGET, CRED, 'snapshot', {}));
    expect(err).toBeInstanceOf(CloudProviderError);
    expect(err).toMatchObject({ reason: 'throttled', provider: 'gcp', providerCode: 'RESOURCE_EXHAUSTED' });
    expect(err!.message).toMatch(/^Google Cloud kept throttling Compute Engine snapshots\.list \(RESOURCE_EXHAUSTED\) after 4 attempts over \d+\.\ds; try again later/);
    expect(rec.requests).toHaveLength(4);
    expect(sleeps).toEqual([375, 750, 1500]);
  });

  it('retries network errors and 5xx, then answers unavailable', async () => {
    const { cloud, rec } = setup([
      { method: 'GET', url: /global\/snapshots/, networkError: 'fetch failed', times: 2 },
      { method: 'GET', url: /global\/snapshots/, status: 502, body: '<html>bad gateway</html>' },
    ], { maxAttempts: 3 });
    const err = await caught(cloud.list(TARGET, CRED, 'snapshot', {}));
    expect(err).toMatchObject({ reason: 'unavailable', message: expect.stringContaining('Compute Engine snapshots.list was unavailable after 3 attempts') });
    expect(rec.requests).toHaveLength(3);
  });
});

describe('auth and permission errors', () => {
  it('401 is unauthenticated and is not retried (the caller re-mints)', async () => {
    const { cloud, rec, sleeps } = setup([{ method: 'GET', url: /global\/snapshots/, status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' } } }]);
    expect(await caught(cloud.list(TARGET, CRED, 'snapshot', {}))).toMatchObject({ reason: 'unauthenticated', providerCode: 'UNAUTHENTICATED' });
    expect(rec.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('PERMISSION_DENIED with ErrorInfo names the permission', async () => {
    const { cloud, rec } = setup([
      {
        method: 'GET',
        url: /global\/snapshots/,
        status: 403,
        body: {
          error: {
            code: 403,
            status: 'PERMISSION_DENIED',
            message: "Permission 'compute.snapshots.list' denied on resource '//compute.googleapis.com/projects/acme-prod' (or it may not exist).",
            details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'compute.googleapis.com', metadata: { permission: 'compute.snapshots.list', resource: 'projects/acme-prod' } }],
          },
        },
      },
    ]);
    const err = await caught(cloud.list(TARGET, CRED, 'snapshot', {}));
    expect(err).toMatchObject({ reason: 'permission_denied', permissions: ['compute.snapshots.list'], providerCode: 'PERMISSION_DENIED' });
    expect(err!.message).toContain('missing compute.snapshots.list');
    expect(rec.requests).toHaveLength(1);
  });

  it('404 is not_found (get answers null), 400 is invalid', async () => {
    const { cloud } = setup([
      { method: 'GET', url: `${C}/zones/us-central1-a/instances/gone`, status: 404, body: { error: { code: 404, message: "The resource 'projects/acme-prod/zones/us-central1-a/instances/gone' was not found", errors: [{ reason: 'notFound' }] } } },
      { method: 'GET', url: /global\/snapshots/, status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'Invalid value for field pageToken' } } },
    ]);
    expect(await cloud.get(TARGET, CRED, 'vm', 'projects/acme-prod/zones/us-central1-a/instances/gone')).toBeNull();
    expect(await caught(cloud.list(TARGET, CRED, 'snapshot', {}))).toMatchObject({ reason: 'invalid', providerCode: 'INVALID_ARGUMENT' });
  });
});

describe('partial failures and operations', () => {
  it('keeps the zones that answered and reports the unreachable ones', async () => {
    const { cloud, warnings } = setup([
      {
        method: 'GET',
        url: `${C}/aggregated/disks?maxResults=500&returnPartialSuccess=true`,
        body: {
          items: {
            'zones/us-central1-a': { disks: [{ name: 'd1', status: 'READY', sizeGb: '10', type: 'x/diskTypes/pd-balanced' }] },
            'zones/us-east1-b': { warning: { code: 'UNREACHABLE', message: 'Scope zones/us-east1-b is unreachable', data: [{ key: 'scope', value: 'zones/us-east1-b' }] } },
            'zones/europe-west1-c': { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'There are no results for scope' } },
          },
          unreachables: ['zones/asia-east1-a'],
        },
      },
    ]);
    const disks = await cloud.list(TARGET, CRED, 'disk', {});
    expect(disks.map((d) => d.id)).toEqual(['projects/acme-prod/zones/us-central1-a/disks/d1']);
    expect(warnings).toEqual([
      { api: 'Compute Engine disks.aggregatedList', scope: 'projects/acme-prod/zones/us-east1-b', code: 'UNREACHABLE', message: 'Disks: Scope zones/us-east1-b is unreachable' },
      { api: 'Compute Engine disks.aggregatedList', scope: 'projects/acme-prod/zones/asia-east1-a', code: 'UNREACHABLE', message: 'Disks in zones/asia-east1-a could not be listed; the rest are kept.' },
    ]);
  });

  it('an Operation that ends in error fails the action with its errors', async () => {
    const { cloud } = setup([
      { method: 'GET', url: `${C}/zones/us-central1-a/instances/web-1`, body: { name: 'web-1', status: 'RUNNING', zone: 'zones/us-central1-a' } },
      { method: 'POST', url: `${C}/zones/us-central1-a/instances/web-1/stop`, body: { name: 'operation-9', status: 'RUNNING' } },
      {
        method: 'POST',
        url: `${C}/zones/us-central1-a/operations/operation-9/wait`,
        body: { name: 'operation-9', status: 'DONE', httpErrorStatusCode: 400, error: { errors: [{ code: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', message: 'The instance is part of a managed instance group' }] } },
      },
    ]);
    const err = await caught(cloud.act(TARGET, CRED, { kind: 'vm', verb: 'stop', resourceId: 'projects/acme-prod/zones/us-central1-a/instances/web-1', params: {} }));
    expect(err).toMatchObject({ reason: 'invalid', providerCode: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', message: 'instances.stop of web-1 failed: RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: The instance is part of a managed instance group' });
  });

  it('an Operation that never finishes fails after a bounded number of waits', async () => {
    const { cloud, rec } = setup([
      { method: 'GET', url: `${C}/zones/us-central1-a/instances/web-1`, body: { name: 'web-1', status: 'RUNNING' } },
      { method: 'POST', url: /\/stop$/, body: { name: 'operation-slow', status: 'RUNNING' } },
      { method: 'POST', url: /operations\/operation-slow\/wait$/, body: { name: 'operation-slow', status: 'RUNNING' } },
    ]);
    const err = await caught(cloud.act(TARGET, CRED, { kind: 'vm', verb: 'stop', resourceId: 'projects/acme-prod/zones/us-central1-a/instances/web-1', params: {} }));
    expect(err).toMatchObject({ reason: 'unavailable', message: expect.stringContaining('did not finish in time') });
    expect(rec.requests.filter((r) => r.url.endsWith('/wait'))).toHaveLength(8);
  });
});

describe('the token never leaks', () => {
  it('appears in no error message, whatever Google or the network echoes', async () => {
    const echo = `Invalid Credentials: token ${RUN_TOKEN} (${encodeURIComponent(RUN_TOKEN)})`;
    const cases: RecordedRoute[][] = [
      [{ method: 'GET', url: /snapshots/, status: 401, body: { error: { code: 401, message: echo } } }],
      [{ method: 'GET', url: /snapshots/, status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED', message: echo } } }],
      [{ method: 'GET', url: /snapshots/, status: 400, body: { error: { code: 400, message: echo } } }],
      [{ method: 'GET', url: /snapshots/, status: 404, body: { error: { code: 404, message: echo } } }],
      [{ method: 'GET', url: /snapshots/, status: 429, body: { error: { code: 429, message: echo } } }],
      [{ method: 'GET', url: /snapshots/, status: 500, body: echo }],
      [{ method: 'GET', url: /snapshots/, networkError: echo }],
    ];
    for (const routes of cases) {
      const err = await caught(setup(routes, { maxAttempts: 2 }).cloud.list(TARGET, CRED, 'snapshot', {}));
      expect(err).toBeInstanceOf(CloudProviderError);
      expect(err!.message).not.toContain(RUN_TOKEN);
      expect(err!.message).not.toContain(encodeURIComponent(RUN_TOKEN));
      expect(JSON.stringify(err)).not.toContain(RUN_TOKEN);
    }
  });
});
