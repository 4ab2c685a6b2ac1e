import type { ParamsOf, RunStreamEvents } from '@agent-marketplace/contract';
import { fillPath, routes } from '@agent-marketplace/contract/routes';
import type { z } from 'zod';
import { sleep, type Client } from './client.js';
import { ApiError, errorFrom } from './errors.js';
import { sseParser } from './sse.js';

/** One message of a run's stream, typed by its event. */
export type RunStreamMessage = {
  [E in keyof typeof RunStreamEvents]: { id: string | undefined; event: E; data: z.output<(typeof RunStreamEvents)[E]> };
}[keyof typeof RunStreamEvents];

export interface StreamOptions {
  /** Resume after this event id (what the last message carried). */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Give up after this many reconnections in a row that delivered nothing (default: never). */
  maxReconnects?: number;
}

const MAX_WAIT_MS = 15_000;

/**
 * A run's server-sent events as an async iterator: `run`, `transition` and `logs` messages,
 * then `end`. A dropped connection, or the server's periodic close, is resumed with
 * Last-Event-ID, so nothing is missed or repeated. An error answer (no access, no such run)
 * throws its ApiError; 429 and 5xx are retried after their Retry-After.
 */
export async function* streamRun(client: Client, params: ParamsOf<'streamRun'>, options: StreamOptions = {}): AsyncGenerator<RunStreamMessage> {
  const { base, fetch, describe, headersFor } = client.transport;
  const url = `${base}${fillPath(routes.streamRun.path, params)}`;
  const { signal } = options;
  let lastEventId = options.lastEventId;
  let retryMs = 1000;
  let idle = 0;
  while (!signal?.aborted) {
    const queue: RunStreamMessage[] = [];
    let delivered = false;
    try {
      const requestId = crypto.randomUUID();
      const headers = await headersFor({ Accept: 'text/event-stream', 'X-Request-Id': requestId, ...(lastEventId !== undefined ? { 'Last-Event-ID': lastEventId } : {}) });
      const res = await fetch(url, { headers, signal: signal ?? null, cache: 'no-store' });
      if (!res.ok) {
        const error = await errorFrom(res, requestId, describe);
        if (res.status !== 429 && res.status < 500) throw error;
        await sleep(error.retryAfter !== null ? error.retryAfter * 1000 : retryMs, signal);
        continue;
      }
      if (!res.body) throw new Error('the stream has no body');
      const parse = sseParser(
        (e) => queue.push({ id: e.id, event: e.type, data: JSON.parse(e.data) } as RunStreamMessage),
        (ms) => (retryMs = ms),
      );
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parse(value);
        while (queue.length) {
          const message = queue.shift()!;
          if (message.id !== undefined) lastEventId = message.id;
          delivered = true;
          yield message;
          if (message.event === 'end') {
            await reader.cancel().catch(() => undefined);
            return;
          }
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof ApiError) throw err;
      // A network failure: reconnect below.
    }
    // The server closes the stream now and then (a time limit): reconnect where we were at once;
    // a connection that brought nothing waits longer each time.
    idle = delivered ? 0 : idle + 1;
    if (options.maxReconnects !== undefined && idle > options.maxReconnects) {
      throw new ApiError({ message: 'The run stream kept closing without sending anything.', status: 0, code: 'stream_unavailable', requestId: null, problem: null, retryAfter: null });
    }
    await sleep(delivered ? 0 : Math.min(MAX_WAIT_MS, retryMs * 2 ** Math.min(idle, 4)), signal);
  }
}
