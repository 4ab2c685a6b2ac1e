import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformEvent } from '@agent-marketplace/contract';
import { stack, urls } from './stack.ts';

/** What a test receiver got: one entry per request, with the raw body as sent. */
export interface Received {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP receiver on 127.0.0.1 (admitted by the test stack's NOTIFY_ALLOWED_HOSTS) that
 * records every request and answers `status(path)` (200 by default).
 */
export async function startReceiver(status: (path: string) => number = () => 200): Promise<{ url: string; port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status(req.url ?? '/'), { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface CapturedMail {
  id: string;
  envelope: { from: string | null; to: string[] };
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

/** The messages the stack's SMTP outbox captured for `to`. */
export async function mailTo(to: string): Promise<CapturedMail[]> {
  const res = await fetch(`${urls.mailbox}/messages?to=${encodeURIComponent(to)}`);
  if (!res.ok) throw new Error(`mailbox: HTTP ${res.status}`);
  return ((await res.json()) as { messages: CapturedMail[] }).messages;
}

const topics = new Map<string, Promise<import('@google-cloud/pubsub').Topic>>();

/** Publishes a message to one of the stack's topics (`run-events` by default, `usage-events` or `agent-stats`), as the platform does (data: the event's JSON). */
export async function publishEvent(event: unknown, eventId = (event as { id?: string }).id ?? 'x', topicName: 'run-events' | 'usage-events' | 'agent-stats' = 'run-events'): Promise<void> {
  if (!topics.has(topicName)) {
    topics.set(
      topicName,
      (async () => {
        process.env['PUBSUB_EMULATOR_HOST'] = stack.clientEnv['PUBSUB_EMULATOR_HOST'];
        const { PubSub } = await import('@google-cloud/pubsub');
        const t = new PubSub({ projectId: stack.projectId }).topic(topicName);
        const [exists] = await t.exists();
        if (!exists) await t.create().catch(() => undefined);
        return t;
      })(),
    );
  }
  await (await topics.get(topicName)!).publishMessage({ data: Buffer.from(typeof event === 'string' ? event : JSON.stringify(event)), attributes: { eventId } });
}

/** A valid platform event of `wsId`, with a fresh id. */
export function testEvent(wsId: string, type: PlatformEvent['type'] = 'run.failed', over: Partial<PlatformEvent> = {}): PlatformEvent {
  const runId = `r${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return {
    id: `run:${runId}:3`,
    type,
    wsId,
    occurredAt: new Date().toISOString(),
    subject: { runId, installId: 'i1', agentId: 'probe' },
    summary: `Run ${runId} of probe@1.0.0 failed (agent_exited) on attempt 1`,
    data: { errorCode: 'agent_exited', attempt: 1 },
    ...over,
  };
}

/** Polls `probe` until it returns a value that is not undefined. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
