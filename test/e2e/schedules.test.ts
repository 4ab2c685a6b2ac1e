import { describe, expect, it } from 'vitest';
import { tickScheduler } from '../../scripts/lib/stack.ts';
import { adminDb } from '../support/admin.ts';
import { call } from '../support/http.ts';
import { urls } from '../support/stack.ts';
import { installAgent, newWorkspace, waitForRun } from '../support/users.ts';

describe('scheduled runs', () => {
  it('a due slot starts exactly one run, even when ticks overlap and repeat; then the schedule moves on', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    const installId = await installAgent(ws);
    const p = `/workspaces/${ws.id}/installs/${installId}`;
    const set = await call('PUT', `${p}/triggers`, { token, body: { manual: true, schedules: [{ cron: '0 6 * * *', timeZone: 'Europe/Berlin' }] } });
    expect(set.status).toBe(200);
    const scheduleId = set.body.triggers.schedules[0].id as string;
    const entryRef = adminDb.doc(`schedules/${ws.id}_${installId}_${scheduleId}`);
    const entry = await entryRef.get();
    expect(entry.get('active')).toBe(true);
    expect(entry.get('nextFireAt').toDate().getTime()).toBeGreaterThan(Date.now());

    // Make the slot due (as if the tick were late), then fire three overlapping ticks and one more.
    const slot = new Date(Date.now() - 90_000);
    await entryRef.update({ nextFireAt: slot });
    await Promise.all([tickScheduler(urls), tickScheduler(urls), tickScheduler(urls)]);
    await tickScheduler(urls);

    const runs = await call('GET', `/workspaces/${ws.id}/runs`, { token });
    const scheduled = runs.body.items.filter((r: { trigger: { kind: string } }) => r.trigger.kind === 'schedule');
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0].trigger).toEqual({ kind: 'schedule', by: `schedule:${scheduleId}` });
    expect((await waitForRun(ws, scheduled[0].id)).state).toBe('succeeded');
    expect((await entryRef.get()).get('nextFireAt').toDate().getTime()).toBeGreaterThan(Date.now());
  });

  it('a paused install or a removed schedule fires nothing', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    const installId = await installAgent(ws);
    const p = `/workspaces/${ws.id}/installs/${installId}`;
    const set = await call('PUT', `${p}/triggers`, { token, body: { manual: true, schedules: [{ cron: '*/30 * * * *', timeZone: 'UTC' }] } });
    const entryRef = adminDb.doc(`schedules/${ws.id}_${installId}_${set.body.triggers.schedules[0].id}`);
    await call('POST', `${p}/pause`, { token });
    expect((await entryRef.get()).get('active')).toBe(false);
    await entryRef.update({ nextFireAt: new Date(Date.now() - 60_000) });
    await tickScheduler(urls);
    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token })).body.items).toEqual([]);

    await call('POST', `${p}/resume`, { token });
    expect((await entryRef.get()).get('active')).toBe(true);
    await call('PUT', `${p}/triggers`, { token, body: { manual: true, schedules: [] } });
    expect((await entryRef.get()).exists).toBe(false);
    await call('DELETE', p, { token });
    expect((await adminDb.collection('schedules').where('installId', '==', installId).get()).size).toBe(0);
  });
});
