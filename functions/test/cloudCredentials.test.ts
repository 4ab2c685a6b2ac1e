import { describe, expect, it } from 'vitest';
import { CredentialCache, withRunCredential } from '../src/app/cloud/cloudCalls.ts';
import { CloudProviderError, type CloudCredential, type CloudProviderApi, type ConnectionTarget, type CredentialGrant } from '../src/app/cloud/ports.ts';

/** A run's credential: minted once, reused, re-minted once when the provider says it expired. */
const target: ConnectionTarget = { provider: 'gcp', target: { kind: 'project', id: 'acme-prod' }, serviceAccount: 'sa@p.iam.gserviceaccount.com', billingExportTable: null };
const grant: CredentialGrant = { scopes: ['vm.list'], gcp: { oauthScopes: ['https://www.googleapis.com/auth/compute.readonly'] }, aws: { actions: [] } };
const session = { runId: 'r1', wsId: 'ws1', attempt: 1 };

function fakeApi(expiresInMs = 900_000, now = () => 0) {
  let minted = 0;
  const api = {
    provider: 'gcp',
    mint: async (): Promise<CloudCredential> => {
      minted += 1;
      return { provider: 'gcp', gcp: { accessToken: `token-${minted}` }, expiresAt: new Date(now() + expiresInMs), secrets: [`token-${minted}`] };
    },
  } as unknown as CloudProviderApi;
  return { api, minted: () => minted };
}

describe("a run's credential", () => {
  it('is minted once and reused for the calls of one attempt; another attempt or run gets its own', async () => {
    const cache = new CredentialCache();
    const { api, minted } = fakeApi();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) await withRunCredential(api, target, grant, session, () => 0, async (c) => seen.push(c.gcp!.accessToken), cache);
    expect(seen).toEqual(['token-1', 'token-1', 'token-1']);
    await withRunCredential(api, target, grant, { ...session, attempt: 2 }, () => 0, async (c) => seen.push(c.gcp!.accessToken), cache);
    await withRunCredential(api, target, grant, { ...session, runId: 'r2' }, () => 0, async (c) => seen.push(c.gcp!.accessToken), cache);
    expect(seen.slice(3)).toEqual(['token-2', 'token-3']);
    expect(minted()).toBe(3);
  });

  it('is re-minted a minute before it expires', async () => {
    let clock = 0;
    const cache = new CredentialCache();
    const { api, minted } = fakeApi(900_000, () => clock);
    await withRunCredential(api, target, grant, session, () => clock, async () => undefined, cache);
    clock = 900_000 - 61_000;
    await withRunCredential(api, target, grant, session, () => clock, async () => undefined, cache);
    expect(minted()).toBe(1);
    clock = 900_000 - 59_000;
    await withRunCredential(api, target, grant, session, () => clock, async () => undefined, cache);
    expect(minted()).toBe(2);
  });

  it('expired at the provider mid-run: re-minted and the call made again, once; refused again, a readable error', async () => {
    const cache = new CredentialCache();
    const { api, minted } = fakeApi();
    const tokens: string[] = [];
    const result = await withRunCredential(api, target, grant, session, () => 0, async (c) => {
      tokens.push(c.gcp!.accessToken);
      if (tokens.length === 1) throw new CloudProviderError('gcp', 'unauthenticated', 'Compute Engine refused the access token (HTTP 401)');
      return 'listed';
    }, cache);
    expect({ result, tokens, minted: minted() }).toEqual({ result: 'listed', tokens: ['token-1', 'token-2'], minted: 2 });
    await expect(
      withRunCredential(api, target, grant, { ...session, runId: 'r9' }, () => 0, async () => {
        throw new CloudProviderError('gcp', 'unauthenticated', 'refused');
      }, cache),
    ).rejects.toMatchObject({ code: 'cloud_credential_refused', kind: 'unavailable' });
  });

  it('a failed mint is not kept, and provider failures become stable API codes', async () => {
    const cache = new CredentialCache();
    let fail = true;
    const api = {
      provider: 'gcp',
      mint: async () => {
        if (fail) throw new CloudProviderError('gcp', 'permission_denied', 'The platform may not impersonate the workspace service account.');
        return { provider: 'gcp', gcp: { accessToken: 't' }, expiresAt: new Date(900_000), secrets: ['t'] };
      },
    } as unknown as CloudProviderApi;
    await expect(withRunCredential(api, target, grant, session, () => 0, async () => 1, cache)).rejects.toMatchObject({ code: 'cloud_grant_missing', kind: 'forbidden' });
    fail = false;
    expect(await withRunCredential(api, target, grant, session, () => 0, async () => 1, cache)).toBe(1);
    const throttled = withRunCredential(api, target, grant, session, () => 0, async () => {
      throw new CloudProviderError('gcp', 'throttled', 'Google Cloud kept throttling Compute Engine after 5 attempts over 31s');
    }, cache);
    await expect(throttled).rejects.toMatchObject({ code: 'cloud_throttled', kind: 'rate_limited', message: expect.stringContaining('after 5 attempts') });
  });
});
