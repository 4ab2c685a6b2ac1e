import { describe, expect, it } from 'vitest';
import { GcpWorkspaceIdentities } from '../src/adapters/cloud/workspaceIdentities.ts';

/** The workspace service account's provisioning, as IAM REST v1 documents it (serviceAccounts.create, setIamPolicy). */
function recorder(answers: Record<string, number> = {}) {
  const calls: { url: string; method: string; auth: string | null; body: unknown }[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const u = String(url);
    calls.push({ url: u, method: init?.method ?? 'GET', auth: new Headers(init?.headers).get('authorization'), body: JSON.parse(String(init?.body ?? 'null')) });
    const status = Object.entries(answers).find(([k]) => u.endsWith(k))?.[1] ?? 200;
    return new Response(JSON.stringify(status < 300 ? {} : { error: { code: status, status: 'ALREADY_EXISTS', message: 'exists' } }), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

describe('the workspace service account', () => {
  const email = 'am-ws-0123456789abcdef0123@acme-platform.iam.gserviceaccount.com';

  it('is created in the platform project, and only the dispatcher may mint its tokens; once per instance', async () => {
    const { calls, fetchImpl } = recorder();
    const ids = new GcpWorkspaceIdentities({ platformProject: 'acme-platform', dispatcherServiceAccount: 'agent-dispatcher@acme-platform.iam.gserviceaccount.com', platformToken: async () => 'platform-token', fetch: fetchImpl });
    await ids.ensureServiceAccount('ws1', email);
    await ids.ensureServiceAccount('ws1', email);
    expect(calls).toEqual([
      {
        url: 'https://iam.googleapis.com/v1/projects/acme-platform/serviceAccounts',
        method: 'POST',
        auth: 'Bearer platform-token',
        body: { accountId: 'am-ws-0123456789abcdef0123', serviceAccount: { displayName: 'Agent Marketplace workspace ws1', description: expect.any(String) } },
      },
      {
        url: `https://iam.googleapis.com/v1/projects/acme-platform/serviceAccounts/${email}:setIamPolicy`,
        method: 'POST',
        auth: 'Bearer platform-token',
        body: { policy: { bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: ['serviceAccount:agent-dispatcher@acme-platform.iam.gserviceaccount.com'] }] } },
      },
    ]);
  });

  it('an account that exists already (409) still gets its policy; another failure is an error naming the call', async () => {
    const exists = recorder({ '/serviceAccounts': 409, ':setIamPolicy': 200 });
    const ids = new GcpWorkspaceIdentities({ platformProject: 'p-123456', dispatcherServiceAccount: 'd@p-123456.iam.gserviceaccount.com', platformToken: async () => 't', fetch: exists.fetchImpl, apiRoot: 'http://127.0.0.1:1' });
    await ids.ensureServiceAccount('ws1', email);
    expect(exists.calls.map((c) => c.url)).toEqual(['http://127.0.0.1:1/iam.googleapis.com/v1/projects/p-123456/serviceAccounts', `http://127.0.0.1:1/iam.googleapis.com/v1/projects/p-123456/serviceAccounts/${email}:setIamPolicy`]);
    const denied = recorder({ ':setIamPolicy': 403 });
    const failing = new GcpWorkspaceIdentities({ platformProject: 'p-123456', dispatcherServiceAccount: 'd@p-123456.iam.gserviceaccount.com', platformToken: async () => 't', fetch: denied.fetchImpl });
    await expect(failing.ensureServiceAccount('ws1', email)).rejects.toThrow(/serviceAccounts\.setIamPolicy answered 403/);
    // Not remembered as made: the next call tries again.
    await expect(failing.ensureServiceAccount('ws1', email)).rejects.toThrow(/403/);
  });
});
