import { FieldValue } from 'firebase-admin/firestore';
import type { RateLimitStore } from '../../app/shared/rateLimits.js';
import { firestore } from './client.js';

/**
 * `rateLimits/{key}-{windowStart}`: one small counter document per client and window.
 * Firestore rather than memory, because the function runs on many instances (and the emulator
 * on many workers): a per-instance count would multiply the limit by the instances a flood
 * spreads over. Read, then a server-side increment (no transaction: increments never contend,
 * so a burst is not refused for contention); concurrent requests may overshoot the limit by
 * how many are in flight, and a client over it costs one read and no write. One client's
 * counter is written only by that client's own requests, so it needs no shards; a write that
 * fails under that client's flood counts as over the limit. `expiresAt` carries a TTL policy
 * (firestore.indexes.json).
 */
export class FirestoreRateLimitStore implements RateLimitStore {
  async hit(key: string, window: { start: Date; end: Date }, limit: number): Promise<boolean> {
    const ref = firestore().collection('rateLimits').doc(`${key}-${window.start.getTime()}`);
    const snap = await ref.get();
    if (Number(snap.get('count') ?? 0) >= limit) return false;
    try {
      await ref.set({ count: FieldValue.increment(1), expiresAt: window.end }, { merge: true });
      return true;
    } catch (err) {
      const code = (err as { code?: number }).code;
      // RESOURCE_EXHAUSTED / ABORTED: this one counter is being hammered.
      if (code === 8 || code === 10) return false;
      throw err;
    }
  }
}
