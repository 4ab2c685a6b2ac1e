/** The client's pure parts: the text/event-stream parser the run stream is read with, and Retry-After. */
import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../src/errors.ts';
import { sseParser, type SseEvent } from '../src/sse.ts';

const parseAll = (pieces: string[]) => {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const feed = sseParser((e) => events.push(e), (ms) => retries.push(ms));
  for (const p of pieces) feed(p);
  return { events, retries };
};

describe('sseParser', () => {
  const stream = 'retry: 1000\n\nid: 0.-1\nevent: transition\ndata: {"seq":0}\n\n: a comment\nid: 0.3\nevent: logs\ndata: {"seq":3,\ndata: "x":1}\n\nid: 1.3\nevent: end\ndata: {"state":"succeeded"}\n\n';

  it('reads ids, types, multi-line data and retry, ignoring comments', () => {
    const { events, retries } = parseAll([stream]);
    expect(retries).toEqual([1000]);
    expect(events).toEqual([
      { id: '0.-1', type: 'transition', data: '{"seq":0}' },
      { id: '0.3', type: 'logs', data: '{"seq":3,\n"x":1}' },
      { id: '1.3', type: 'end', data: '{"state":"succeeded"}' },
    ]);
  });

  it('gives the same events however the network splits the text, and with CRLF line ends', () => {
    const whole = parseAll([stream]).events;
    for (const size of [1, 2, 3, 7, 13]) {
      const pieces = stream.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(parseAll(pieces).events).toEqual(whole);
    }
    // A CRLF split across two reads is one line end, not two.
    const crlf = stream.replace(/\n/g, '\r\n');
    expect(parseAll([crlf]).events).toEqual(whole);
    for (const size of [1, 2, 5]) expect(parseAll(crlf.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!).events).toEqual(whole);
  });

  it('dispatches nothing for an event without data, and keeps the last id for the next event', () => {
    const { events } = parseAll(['id: 7.7\nevent: ping\n\ndata: a\n\n']);
    expect(events).toEqual([{ id: '7.7', type: 'message', data: 'a' }]);
  });

  it('holds an unfinished event until its blank line arrives', () => {
    const events: SseEvent[] = [];
    const feed = sseParser((e) => events.push(e));
    feed('id: 1.1\nevent: logs\ndata: {}');
    expect(events).toEqual([]);
    feed('\n\n');
    expect(events).toHaveLength(1);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterSeconds('120')).toBe(120);
    expect(retryAfterSeconds(' 5 ')).toBe(5);
    const now = Date.parse('2026-11-26T08:00:00Z');
    expect(retryAfterSeconds('Thu, 26 Nov 2026 08:01:30 GMT', now)).toBe(90);
    expect(retryAfterSeconds('Thu, 26 Nov 2026 07:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon')).toBeNull();
    expect(retryAfterSeconds(null)).toBeNull();
  });

});
