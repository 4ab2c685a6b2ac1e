import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../functions/src/app/runs/webhookSignature.ts';
import { call, codeOf } from '../support/http.ts';
import { installAgent, newWorkspace, type TestWorkspace } from '../support/users.ts';

/** A workspace with a deployed install whose signed webhook is on, and a signer for it. */
async function hookSetup(): Promise<{ ws: TestWorkspace; installId: string; hook: string; signed: (body: string, t: number) => { raw: string; headers: Record<string, string> } }> {
  const ws = await newWorkspace();
  const installId = await installAgent(ws);
  const t = await call('PUT', `/workspaces/${ws.id}/installs/${installId}/triggers`, { token: ws.owner.idToken, body: { manual: true, webhook: { enabled: true } } });
  const secret = t.body.webhookSecret as string;
  return {
    ws,
    installId,
    hook: `/hooks/${ws.id}/${installId}`,
    signed: (body, ts) => ({ raw: body, headers: { 'X-Agent-Signature': signWebhook(secret, ts, body) } }),
  };
}

async function runsOf(ws: TestWorkspace, installId: string): Promise<string[]> {
  const page = await call('GET', `/workspaces/${ws.id}/runs?installId=${installId}&limit=100`, { token: ws.owner.idToken });
  return (page.body.items as { id: string }[]).map((r) => r.id);
}

describe('inbound webhook replay', () => {
  it('a replayed signed request is refused with 409 and starts nothing; a new timestamp is a new delivery', async () => {
    const { ws, installId, hook, signed } = await hookSetup();
    const body = JSON.stringify({ threshold: 6 });
    const now = Math.floor(Date.now() / 1000);

    const first = await call('POST', hook, signed(body, now));
    expect(first.status).toBe(202);
    const replay = await call('POST', hook, signed(body, now));
    expect(replay.status).toBe(409);
    expect(codeOf(replay)).toBe('webhook_replayed');
    // Extra junk in the header does not make a captured request new.
    const padded = signed(body, now);
    padded.headers['X-Agent-Signature'] += `,v1=${'0'.repeat(64)}`;
    expect(codeOf(await call('POST', hook, padded))).toBe('webhook_replayed');
    expect(await runsOf(ws, installId)).toEqual([first.body.id]);

    // The same body sent again later, signed with its own timestamp, is another delivery.
    const again = await call('POST', hook, signed(body, now + 1));
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(first.body.id);
    expect((await runsOf(ws, installId)).sort()).toEqual([first.body.id, again.body.id].sort());
  });

  it('two concurrent deliveries of one signed request start exactly one run', { timeout: 90_000 }, async () => {
    const { ws, installId, hook, signed } = await hookSetup();
    const body = JSON.stringify({ threshold: 7 });
    const request = signed(body, Math.floor(Date.now() / 1000));
    const replies = await Promise.all([1, 2, 3].map(() => call('POST', hook, request)));
    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    expect(replies.filter((r) => r !== accepted[0]).map(codeOf)).toEqual(['webhook_replayed', 'webhook_replayed']);
    expect(await runsOf(ws, installId)).toEqual([accepted[0]!.body.id]);
  });
});
