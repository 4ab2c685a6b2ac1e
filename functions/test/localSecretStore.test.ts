import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertSecretValue,
  LocalEncryptedSecretStore,
  MAX_SECRET_BYTES,
  parseLocalSecretRef,
} from '../src/adapters/secrets/localFileStore.ts';
import { AppError } from '../src/domain/errors.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'am-secrets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(root, `p${++n}`, 'secrets', 'demo-project');
const scope = { wsId: 'ws1', installId: 'inst1' };
const installFile = (dir: string, s = scope) => path.join(dir, s.wsId, `${s.installId}.json`);
const mode = (p: string) => statSync(p).mode & 0o777;

async function rejectsWith(p: Promise<unknown>, code: string): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('LocalEncryptedSecretStore', () => {
  it('round-trips values behind references that name a version, not the value', async () => {
    const store = new LocalEncryptedSecretStore({ dir: freshDir() });
    const ref = await store.put(scope, 'API_TOKEN', 'tok-s3cret-value');
    expect(ref).toBe('local://ws1/inst1/API_TOKEN#1');
    expect(ref).not.toContain('s3cret');
    expect(await store.get(ref)).toBe('tok-s3cret-value');

    const ref2 = await store.put(scope, 'API_TOKEN', 'rotated ✓ ünïcode');
    expect(ref2).toBe('local://ws1/inst1/API_TOKEN#2');
    expect(await store.get(ref2)).toBe('rotated ✓ ünïcode');
    // The old version still resolves (a run pinned it at dispatch), as in Secret Manager, until deleted.
    expect(await store.get(ref)).toBe('tok-s3cret-value');

    for (const unknown of [
      'local://ws1/inst1/OTHER#1',
      'local://ws1/other/API_TOKEN#2',
      'local://ws9/inst1/API_TOKEN#2',
      'local://ws1/inst1/API_TOKEN#3',
      'local://ws1/inst1/API_TOKEN',
      'projects/p/secrets/x/versions/1',
      '',
    ]) {
      expect(await store.get(unknown), unknown).toBeNull();
    }
  });

  it('keeps no plaintext on disk, and the key file is 0600 in a 0700 dir', async () => {
    const dir = freshDir();
    const store = new LocalEncryptedSecretStore({ dir });
    const value = 'plaintext-marker-7f3a9c';
    await store.put(scope, 'DB_PASSWORD', value);
    await store.put({ wsId: 'ws1', installId: 'inst2' }, 'DB_PASSWORD', value);

    const needles = [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')];
    for (const file of allFiles(dir)) {
      const bytes = readFileSync(file);
      for (const needle of needles) expect(bytes.includes(Buffer.from(needle)), `${file} contains ${needle}`).toBe(false);
    }
    expect(mode(path.join(dir, 'master.key'))).toBe(0o600);
    expect(readFileSync(path.join(dir, 'master.key')).length).toBe(32);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'ws1'))).toBe(0o700);
    expect(mode(installFile(dir))).toBe(0o600);

    const onDisk = JSON.parse(readFileSync(installFile(dir), 'utf8'));
    expect(Object.keys(onDisk)).toEqual(['DB_PASSWORD']);
    expect(Object.keys(onDisk.DB_PASSWORD).sort()).toEqual(['data', 'iv', 'tag', 'updatedAt', 'version']);
    expect(Buffer.from(onDisk.DB_PASSWORD.iv, 'base64').length).toBe(12);
    expect(Buffer.from(onDisk.DB_PASSWORD.tag, 'base64').length).toBe(16);
    // No temp or lock files are left behind.
    expect(allFiles(dir).map((f) => path.relative(dir, f)).sort()).toEqual(['master.key', 'ws1/inst1.json', 'ws1/inst2.json']);
  });

  it('generates the key once and reuses it (a second store reads the first one\'s values)', async () => {
    const dir = freshDir();
    const ref = await new LocalEncryptedSecretStore({ dir }).put(scope, 'K', 'v1');
    const key = readFileSync(path.join(dir, 'master.key'));
    const other = new LocalEncryptedSecretStore({ dir });
    expect(await other.get(ref)).toBe('v1');
    await other.put(scope, 'K2', 'v2');
    expect(readFileSync(path.join(dir, 'master.key')).equals(key)).toBe(true);
  });

  it('uses a fresh IV for every value', async () => {
    const dir = freshDir();
    const store = new LocalEncryptedSecretStore({ dir });
    await store.put(scope, 'A', 'same');
    await store.put(scope, 'B', 'same');
    const onDisk = JSON.parse(readFileSync(installFile(dir), 'utf8'));
    expect(onDisk.A.iv).not.toBe(onDisk.B.iv);
    expect(onDisk.A.data).not.toBe(onDisk.B.data);
  });

  it('refuses tampered ciphertext, tag or iv with a clear error, never garbage', async () => {
    const dir = freshDir();
    const store = new LocalEncryptedSecretStore({ dir });
    const ref = await store.put(scope, 'TOKEN', 'a value worth protecting');
    const pristine = readFileSync(installFile(dir), 'utf8');
    const flip = (b64: string, at = 0) => {
      const buf = Buffer.from(b64, 'base64');
      buf[at] = buf[at]! ^ 0x01;
      return buf.toString('base64');
    };
    const tamper = (field: 'data' | 'tag' | 'iv', value?: string) => {
      const doc = JSON.parse(pristine);
      doc.TOKEN[field] = value ?? flip(doc.TOKEN[field]);
      writeFileSync(installFile(dir), JSON.stringify(doc));
    };

    for (const field of ['data', 'tag', 'iv'] as const) {
      tamper(field);
      const err = await rejectsWith(store.get(ref), 'secret_undecryptable');
      expect(err.message).toContain('TOKEN');
      expect(err.message).toMatch(/altered/);
    }
    tamper('tag', Buffer.alloc(4).toString('base64'));
    await rejectsWith(store.get(ref), 'secret_undecryptable');

    // A ciphertext copied under another name does not decrypt either (it is bound to its place).
    const doc = JSON.parse(pristine);
    writeFileSync(installFile(dir), JSON.stringify({ OTHER: doc.TOKEN }));
    await rejectsWith(store.get('local://ws1/inst1/OTHER#1'), 'secret_undecryptable');

    writeFileSync(installFile(dir), pristine);
    expect(await store.get(ref)).toBe('a value worth protecting');

    // Another master key: refused, not garbage.
    writeFileSync(path.join(dir, 'master.key'), Buffer.alloc(32, 7));
    await rejectsWith(new LocalEncryptedSecretStore({ dir }).get(ref), 'secret_undecryptable');
    writeFileSync(path.join(dir, 'master.key'), Buffer.alloc(5));
    await rejectsWith(new LocalEncryptedSecretStore({ dir }).get(ref), 'secret_store_corrupt');

    writeFileSync(installFile(dir), '{ not json');
    await rejectsWith(store.get(ref), 'secret_store_corrupt');
  });

  it('keeps every value when puts to one install run concurrently', async () => {
    const dir = freshDir();
    const a = new LocalEncryptedSecretStore({ dir });
    const b = new LocalEncryptedSecretStore({ dir });
    const names = Array.from({ length: 40 }, (_, i) => `SECRET_${i}`);
    const refs = await Promise.all(names.map((name, i) => (i % 2 ? a : b).put(scope, name, `value-${i}`)));
    expect(refs.every((r, i) => r === `local://ws1/inst1/SECRET_${i}#1`)).toBe(true);
    const values = await Promise.all(refs.map((r) => a.get(r)));
    expect(values).toEqual(names.map((_, i) => `value-${i}`));
    expect(Object.keys(JSON.parse(readFileSync(installFile(dir), 'utf8')))).toHaveLength(40);

    // Concurrent puts of one name get distinct versions; the last one wins.
    const same = await Promise.all(Array.from({ length: 10 }, (_, i) => a.put(scope, 'ROTATING', `r${i}`)));
    expect(new Set(same).size).toBe(10);
    expect(same.map((r) => parseLocalSecretRef(r)!.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const latest = same.find((r) => r.endsWith('#10'))!;
    expect(await a.get(latest)).toMatch(/^r\d$/);
    // The current version and the 5 before it resolve (runs pin theirs); older ones are gone.
    expect((await Promise.all(same.map((r) => a.get(r)))).filter((v) => v !== null)).toHaveLength(6);
  });

  it('waits for a lock held by another live process and breaks one left by a dead process', async () => {
    const dir = freshDir();
    const store = new LocalEncryptedSecretStore({ dir });
    await store.put(scope, 'FIRST', 'one');
    const lock = `${installFile(dir)}.lock`;

    // Held by a live process (this one stands in for an emulator worker): the put waits.
    writeFileSync(lock, String(process.pid));
    let done = false;
    const pending = store.put(scope, 'SECOND', 'two').then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 150));
    expect(done).toBe(false);
    rmSync(lock);
    expect(await pending).toBe('local://ws1/inst1/SECOND#1');

    // Left behind by a process that is gone: broken at once.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(lock, String(deadPid));
    const t0 = Date.now();
    expect(await store.put(scope, 'THIRD', 'three')).toBe('local://ws1/inst1/THIRD#1');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(existsSync(lock)).toBe(false);
  });

  it('deletes one value by reference and every value of an install', async () => {
    const dir = freshDir();
    const store = new LocalEncryptedSecretStore({ dir });
    const other = { wsId: 'ws1', installId: 'inst2' };
    const r1 = await store.put(scope, 'A', 'a');
    const r2 = await store.put(scope, 'B', 'b');
    const r3 = await store.put(scope, 'C', 'c');
    const kept = await store.put(other, 'A', 'other-a');

    await store.delete(r1);
    expect(await store.get(r1)).toBeNull();
    expect(await store.get(r2)).toBe('b');
    await store.delete(r1); // idempotent
    await store.delete('local://../../etc/passwd#1'); // not a reference: nothing happens

    expect(await store.deleteAll(scope)).toBe(2);
    expect(existsSync(installFile(dir))).toBe(false);
    expect(await store.get(r2)).toBeNull();
    expect(await store.get(r3)).toBeNull();
    expect(await store.deleteAll(scope)).toBe(0);
    expect(await store.deleteAll({ wsId: 'never', installId: 'seen' })).toBe(0);
    expect(await store.get(kept)).toBe('other-a');

    // Deleting the last value removes the file too.
    await store.delete(kept);
    expect(existsSync(installFile(dir, other))).toBe(false);
  });

  it('refuses ids and names that could leave the store directory', async () => {
    const dir = freshDir();
    const store = new LocalEncryptedSecretStore({ dir });
    const attempts: [{ wsId: string; installId: string }, string][] = [
      [{ wsId: '..', installId: 'inst1' }, 'A'],
      [{ wsId: 'ws1', installId: '../../escape' }, 'A'],
      [{ wsId: 'ws1/../..', installId: 'x' }, 'A'],
      [{ wsId: '', installId: 'inst1' }, 'A'],
      [{ wsId: 'ws1', installId: 'inst1' }, '../A'],
      [{ wsId: 'ws1', installId: 'inst1' }, 'a/b'],
      [{ wsId: 'ws1', installId: 'inst1' }, 'A.json'],
      [{ wsId: 'ws1', installId: 'inst1' }, ''],
      [{ wsId: 'ws1', installId: 'x'.repeat(129) }, 'A'],
      [{ wsId: '/etc', installId: 'passwd' }, 'A'],
    ];
    for (const [s, name] of attempts) {
      await rejectsWith(store.put(s, name, 'v'), 'secret_name_invalid');
    }
    await rejectsWith(store.deleteAll({ wsId: '..', installId: '..' }), 'secret_name_invalid');
    for (const ref of ['local://../inst1/A#1', 'local://ws1/..%2f../A#1', 'local:///etc/passwd#1', 'local://ws1/inst1/../A#1']) {
      expect(await store.get(ref)).toBeNull();
    }
    expect(existsSync(path.join(dir, '..', 'inst1.json'))).toBe(false);
    expect(existsSync(dir)).toBe(false); // nothing was written anywhere
  });

  it('stores names that are special to plain objects as ordinary names', async () => {
    const store = new LocalEncryptedSecretStore({ dir: freshDir() });
    const ref = await store.put(scope, '__proto__', 'p');
    await store.put(scope, 'constructor', 'c');
    expect(await store.get(ref)).toBe('p');
    expect(await store.get('local://ws1/inst1/constructor#1')).toBe('c');
    expect(await store.get('local://ws1/inst1/toString#1')).toBeNull();
  });
});

describe('assertSecretValue', () => {
  it('accepts non-empty values up to 64 KiB of UTF-8', () => {
    expect(() => assertSecretValue('x')).not.toThrow();
    expect(() => assertSecretValue('x'.repeat(MAX_SECRET_BYTES))).not.toThrow();
  });

  it('refuses empty and oversized values, counting bytes rather than characters', async () => {
    for (const bad of ['', 'x'.repeat(MAX_SECRET_BYTES + 1), 'é'.repeat(MAX_SECRET_BYTES / 2 + 1)]) {
      let caught: unknown;
      try {
        assertSecretValue(bad);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).kind).toBe('invalid');
      expect((caught as AppError).code).toBe('secret_invalid');
    }
    await rejectsWith(new LocalEncryptedSecretStore({ dir: freshDir() }).put(scope, 'A', ''), 'secret_invalid');
  });
});
