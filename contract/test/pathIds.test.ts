import { describe, expect, it } from 'vitest';
import { endpoints, pathParams, type Endpoint } from '../src/index.ts';

/** Ids Firestore would take as a path, or refuse; none may pass any operation's params schema. */
const NASTY = ['', 'a/b', '/', '..', '.', '__x__', '__name__', '\uD800', 'a\u0000', ' x', 'x'.repeat(200)];
/**
 * A task memory key is never a document id as it is: the store keeps it under `t_<base64url key>`
 * (adapters/firestore/memory.ts), so `/` (percent-encoded in the path), `.` or `__x__` are keys.
 * What the contract's TaskKey refuses, the path refuses too.
 */
const ENCODED_BY_THE_STORE: Record<string, readonly string[]> = {
  'forgetInstallMemoryTask.key': ['', '/', '/abs', '..', 'a/../b', '\uD800', 'a\u0000', ' x', 'a b', 'x'.repeat(201)],
};

describe('path ids', () => {
  it('every operation with path parameters parses each of them with a strict schema that refuses Firestore-unsafe ids', () => {
    for (const e of Object.values(endpoints) as Endpoint[]) {
      const names = pathParams(e.path);
      if (names.length === 0) continue;
      expect(e.params, `${e.operationId} has no params schema`).toBeDefined();
      const shape = (e.params as unknown as { shape: Record<string, unknown> }).shape;
      expect(Object.keys(shape).sort(), e.operationId).toEqual([...names].sort());
      const valid = Object.fromEntries(names.map((n) => [n, n === 'version' ? '1.0.0' : n === 'agentId' ? 'cost-anomaly-detector' : n === 'name' ? 'API_TOKEN' : 'abc123']));
      for (const name of names) {
        for (const bad of ENCODED_BY_THE_STORE[`${e.operationId}.${name}`] ?? NASTY) expect(e.params!.safeParse({ ...valid, [name]: bad }).success, `${e.operationId} ${name}=${JSON.stringify(bad)}`).toBe(false);
      }
      expect(e.params!.safeParse({ ...valid, extra: 'x' }).success, `${e.operationId} is strict`).toBe(false);
    }
  });
});
