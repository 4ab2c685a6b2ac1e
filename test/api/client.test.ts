/**
 * The typed client package (`@agent-marketplace/client`) against the real stack, as a REST
 * user holds it: ID token or API key, Idempotency-Key on creating POSTs, problem+json as a
 * typed ApiError, cursor iteration, and the run stream as an async iterator.
 */
import { ApiError, items, streamRun, type RunStreamMessage } from '@agent-marketplace/client';
import { describe, expect, it } from 'vitest';
import { apiAs } from '../support/client.ts';
import { installAgent, newWorkspace, waitForRun } from '../support/users.ts';

describe('the typed client against the API', () => {
  it('runs an agent with an API key, pages through runs and follows the stream to the end', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws);
    const owner = apiAs(ws.owner.idToken);
    const key = await owner.call('createApiKey', { params: { wsId: ws.id }, body: { name: 'ci', scopes: ['runs.trigger', 'runs.read'] } });
    const ci = apiAs(key.secret);

    // A retried trigger with the same Idempotency-Key is one run.
    const first = await ci.call('triggerRun', { params: { wsId: ws.id, installId }, body: { input: { threshold: 4 } }, idempotencyKey: 'deploy-42' });
    const again = await ci.call('triggerRun', { params: { wsId: ws.id, installId }, body: { input: { threshold: 4 } }, idempotencyKey: 'deploy-42' });
    expect(again.id).toBe(first.id);
    expect(first.trigger).toEqual({ kind: 'api', by: `apikey:${key.id}` });

    const seen: RunStreamMessage['event'][] = [];
    let lines = 0;
    for await (const m of streamRun(ci, { wsId: ws.id, runId: first.id })) {
      seen.push(m.event);
      if (m.event === 'logs') lines += m.data.lines.length;
      if (m.event === 'end') expect(m.data.state).toBe('succeeded');
    }
    expect(seen.at(-1)).toBe('end');
    expect(seen).toContain('transition');
    expect(lines).toBeGreaterThan(0);

    // Three more runs, then every run through pages of two.
    for (let i = 0; i < 3; i++) await waitForRun(ws, (await ci.call('triggerRun', { params: { wsId: ws.id, installId }, body: {} })).id, 45_000);
    const ids: string[] = [];
    for await (const run of items(ci, 'listRuns', { params: { wsId: ws.id }, query: { limit: 2 } })) ids.push(run.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    expect(ids.at(-1)).toBe(first.id); // newest first
  });

  it('turns refusals into ApiErrors with the stable code', async () => {
    const ws = await newWorkspace();
    const stranger = apiAs((await newWorkspace()).owner.idToken);
    const notFound = await stranger.call('getWorkspace', { params: { wsId: ws.id } }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ApiError);
    expect(notFound).toMatchObject({ status: 404, code: 'workspace_not_found' });
    expect((notFound as ApiError).requestId).toMatch(/\S{8,}/);

    const invalid = await apiAs(ws.owner.idToken)
      .call('createWorkspace', { body: { name: '' } })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((invalid as ApiError).problem?.errors?.[0]?.path).toBe('body.name');

    const anonymous = await apiAs().call('listWorkspaces').catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ status: 401, code: 'missing_credentials' });
  });
});
