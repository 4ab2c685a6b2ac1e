import { describe, expect, it } from 'vitest';
import { decideIdempotency, IDEMPOTENCY_LEASE_SECONDS, type IdempotencyKeyRecord } from '../src/domain/idempotency.js';

const T = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T.getTime() + s * 1000);

function claimed(hash = 'h', now = T) {
  const d = decideIdempotency(null, hash, now, 'id1');
  if (d.kind !== 'claimed') throw new Error('not claimed');
  return d.write;
}

describe('decideIdempotency', () => {
  it('claims a new key with a short lease and the id its creation will use', () => {
    const d = decideIdempotency(null, 'h', T, 'id1');
    expect(d).toMatchObject({ kind: 'claimed', resourceId: 'id1', resumed: false });
    const w = claimed();
    expect(w.leaseUntil).toEqual(at(IDEMPOTENCY_LEASE_SECONDS));
    expect(w.retainUntil).toEqual(at(24 * 3600));
  });

  it('a held key is in progress until its lease ends, then the next attempt takes it over with the same id', () => {
    const w = claimed();
    expect(decideIdempotency(w, 'h', at(10), 'id2')).toEqual({ kind: 'in_progress', retryAfterSeconds: IDEMPOTENCY_LEASE_SECONDS - 10 });
    expect(decideIdempotency(w, 'h', at(IDEMPOTENCY_LEASE_SECONDS), 'id2')).toMatchObject({ kind: 'claimed', resourceId: 'id1', resumed: true });
  });

  it('replays a completed key, refuses another body, and forgets the key after its retention', () => {
    const done: IdempotencyKeyRecord = { ...claimed(), state: 'done', status: 201, body: { id: 'id1' } };
    expect(decideIdempotency(done, 'h', at(3600), 'id2')).toEqual({ kind: 'replay', status: 201, body: { id: 'id1' } });
    expect(decideIdempotency(done, 'other', at(3600), 'id2')).toEqual({ kind: 'reused' });
    expect(decideIdempotency(done, 'h', at(24 * 3600), 'id2')).toMatchObject({ kind: 'claimed', resourceId: 'id2', resumed: false });
  });
});
