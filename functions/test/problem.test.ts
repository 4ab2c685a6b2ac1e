import { describe, expect, it } from 'vitest';
import { problemFor } from '../src/api/problem.ts';
import { AppError } from '../src/domain/errors.ts';

/**
 * What a failure becomes on the wire. A database that is briefly unavailable, slow or contended
 * (Firestore's gRPC codes) is not a bug of the request: it is a 503 the client may retry after
 * Retry-After, never a 500. Everything else unexpected stays a 500 with the request id.
 */
describe('problemFor', () => {
  it('an AppError keeps its status and code', () => {
    const p = problemFor(new AppError('conflict', 'install_changed', 'changed'), 'req-1');
    expect([p.status, p.body.code]).toEqual([409, 'install_changed']);
  });

  it.each([
    [4, 'DEADLINE_EXCEEDED'],
    [8, 'RESOURCE_EXHAUSTED'],
    [10, 'ABORTED'],
    [14, 'UNAVAILABLE'],
  ])('a transient database failure (gRPC %i, %s) is a 503 to retry', (code, name) => {
    const err = Object.assign(new Error(`${code} ${name}: the backend gave up`), { code });
    const p = problemFor(err, 'req-2');
    expect({ status: p.status, code: p.body.code, retryAfter: p.headers['Retry-After'] }).toEqual({ status: 503, code: 'unavailable', retryAfter: '1' });
    // The backend's own words stay in the log, not in the answer.
    expect(p.body.detail).not.toContain('backend');
  });

  it('anything else unexpected is a 500, with nothing of the error in the answer', () => {
    for (const err of [new TypeError('x is undefined'), Object.assign(new Error('permission denied'), { code: 7 }), 'a string', null]) {
      const p = problemFor(err, 'req-3');
      expect([p.status, p.body.code, p.body.requestId]).toEqual([500, 'internal', 'req-3']);
    }
  });
});
