import { describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { seedStartingRun } from '../support/runs.ts';
import { functionsParams, urls } from '../support/stack.ts';
import { installAgent, newWorkspace } from '../support/users.ts';

/** The test stack's bound on open streams per user (functions/.env.<project>). */
const maxStreams = Number(functionsParams()['MAX_RUN_STREAMS_PER_USER'] ?? 3);

interface Frame {
  id: string;
  event: string;
  data: any;
}

async function readStream(url: string, token: string, lastEventId?: string): Promise<{ status: number; type: string; frames: Frame[] }> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) } });
  const text = await res.text();
  const frames = text
    .split('\n\n')
    .map((block) => Object.fromEntries(block.split('\n').filter((l) => l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)])))
    .filter((f) => f['event'])
    .map((f) => ({ id: f['id']!, event: f['event']!, data: JSON.parse(f['data']!) }));
  return { status: res.status, type: res.headers.get('content-type') ?? '', frames };
}

describe('the SSE run stream', () => {
  it('streams transitions and logs live until the run ends, and resumes from Last-Event-ID', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    const installId = await installAgent(ws);
    const run = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token, body: {} });
    // Opened right away, through the Hosting rewrite: it follows the run live.
    const live = await readStream(`${urls.api}/workspaces/${ws.id}/runs/${run.body.id}/stream`, token);
    expect(live.status).toBe(200);
    expect(live.type).toContain('text/event-stream');
    const transitions = live.frames.filter((f) => f.event === 'transition').map((f) => f.data.to);
    expect(transitions).toEqual(['queued', 'dispatching', 'starting', 'running', 'succeeded']);
    const lines = live.frames.filter((f) => f.event === 'logs').flatMap((f) => f.data.lines.map((l: { msg: string }) => l.msg));
    expect(lines).toContain('Loaded 270 cost rows');
    expect(live.frames.at(-1)).toMatchObject({ event: 'end', data: { state: 'succeeded' } });
    // The run itself rides along (progress, outputs), public fields only.
    const runFrames = live.frames.filter((f) => f.event === 'run');
    expect(runFrames.length).toBeGreaterThan(0);
    expect(runFrames.at(-1)!.data).toMatchObject({ id: run.body.id, state: 'succeeded', outputs: expect.any(Object), progress: { percent: 100 } });
    expect(runFrames.at(-1)!.data).not.toHaveProperty('runnerTokenHash');

    // Resume after the `running` transition: only what came later, nothing twice.
    const runningFrame = live.frames.find((f) => f.event === 'transition' && f.data.to === 'running')!;
    const resumed = await readStream(`${urls.functionsApi}/workspaces/${ws.id}/runs/${run.body.id}/stream`, token, runningFrame.id);
    const later = resumed.frames.filter((f) => f.event === 'transition').map((f) => f.data.to);
    expect(later).toEqual(['succeeded']);
    const seen = new Set(live.frames.filter((f) => f.event === 'logs' && f.id <= runningFrame.id).map((f) => f.data.seq));
    for (const f of resumed.frames.filter((x) => x.event === 'logs')) expect(seen.has(f.data.seq)).toBe(false);
  });

  it('is guarded like every run route', async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const installId = await installAgent(b);
    const run = await call('POST', `/workspaces/${b.id}/installs/${installId}/runs`, { token: b.owner.idToken, body: {} });
    expect((await readStream(`${urls.api}/workspaces/${b.id}/runs/${run.body.id}/stream`, a.owner.idToken)).status).toBe(404);
    expect((await fetch(`${urls.api}/workspaces/${b.id}/runs/${run.body.id}/stream`)).status).toBe(401);
  });

  it('a malformed Last-Event-ID replays the stream from the start rather than skipping anything', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws);
    const token = ws.owner.idToken;
    const run = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token, body: {} });
    const url = `${urls.api}/workspaces/${ws.id}/runs/${run.body.id}/stream`;
    const first = await readStream(url, token);
    for (const garbage of ['not-an-id', '1.2.3', '99999999999.1', '']) {
      const replay = await readStream(url, token, garbage || undefined);
      expect(replay.status).toBe(200);
      // Everything again, from the start: every transition in order, every log chunk, then the end.
      // (Event ids are resume positions: a replay that reads the finished run in one pass may
      // number a log chunk after the last transition where the live stream saw it before.)
      const content = (frames: Frame[]) => ({
        transitions: frames.filter((f) => f.event === 'transition').map((f) => f.data.seq),
        logs: frames.filter((f) => f.event === 'logs').map((f) => f.data.seq).sort((a: number, b: number) => a - b),
        last: frames.at(-1)?.event,
      });
      expect(content(replay.frames)).toEqual(content(first.frames));
      expect(content(replay.frames).transitions).toEqual([0, 1, 2, 3, 4]);
      expect(replay.frames.filter((f) => f.event === 'run').at(-1)?.data.state).toBe('succeeded');
    }
  });

  it('bounds the streams one user holds open: one more is refused with 429 before it starts, and closing one frees its place', { timeout: 150_000 }, async () => {
    const ws = await newWorkspace();
    const other = await newWorkspace();
    // Runs parked in `starting`: their streams stay open.
    const { runId } = await seedStartingRun(ws.id, { agentId: 'cost-anomaly-detector', agentVersion: '1.0.0' });
    const { runId: otherRun } = await seedStartingRun(other.id, { agentId: 'cost-anomaly-detector', agentVersion: '1.0.0' });
    const url = (w: string, r: string) => `${urls.functionsApi}/workspaces/${w}/runs/${r}/stream`;
    const open: { res: Response; abort: AbortController }[] = [];
    const openStream = async (w = ws.id, r = runId, token = ws.owner.idToken) => {
      const abort = new AbortController();
      const res = await fetch(url(w, r), { headers: { Authorization: `Bearer ${token}` }, signal: abort.signal });
      return { res, abort };
    };
    try {
      for (let i = 0; i < maxStreams; i++) {
        const s = await openStream();
        open.push(s);
        expect(s.res.status).toBe(200);
      }
      const refused = await openStream();
      open.push(refused);
      expect(refused.res.status).toBe(429);
      expect(refused.res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await refused.res.json()) as { code: string }).code).toBe('too_many_streams');
      // Another user is not held back by this one.
      const theirs = await openStream(other.id, otherRun, other.owner.idToken);
      open.push(theirs);
      expect(theirs.res.status).toBe(200);

      // The client hangs up on one: its place is free again once the server closes that stream
      // (at the disconnect where the server sees it; the Functions emulator may only end it at
      // the stream's time limit, 50 s).
      open[0]!.abort.abort();
      const deadline = Date.now() + 75_000;
      let again: { res: Response; abort: AbortController } | undefined;
      for (;;) {
        again = await openStream();
        open.push(again);
        if (again.res.status === 200 || Date.now() > deadline) break;
        again.abort.abort();
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(again.res.status).toBe(200);
    } finally {
      for (const s of open) s.abort.abort();
    }
  });
});
