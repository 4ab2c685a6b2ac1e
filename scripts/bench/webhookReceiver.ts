import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local webhook receiver for the bench (127.0.0.1, admitted by the stack's allow-list): it
 * notes when each event id first arrives (the Agent-Marketplace-Event-Id header), on this
 * process's performance clock.
 */
export async function startWebhookReceiver(): Promise<{ url: string; arrival(eventId: string, timeoutMs?: number): Promise<number>; close(): void }> {
  const arrivals = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const id = req.headers['agent-marketplace-event-id'];
    if (typeof id === 'string' && !arrivals.has(id)) arrivals.set(id, performance.now());
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    /** When `eventId` arrived; waits for it, and fails the bench past the timeout. */
    async arrival(eventId, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!arrivals.has(eventId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      const at = arrivals.get(eventId);
      if (at === undefined) throw new Error(`event ${eventId} was not delivered within ${timeoutMs / 1000} s`);
      return at;
    },
    close: () => void server.close(),
  };
}
