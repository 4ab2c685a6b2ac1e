import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packBundle } from '../../cli/src/pack.ts';
import { adminDb } from '../support/admin.ts';
import { uniqueWord } from '../support/catalog.ts';
import { apiAs } from '../support/client.ts';
import { call } from '../support/http.ts';
import { signUp } from '../support/users.ts';

/**
 * Issue 23: "a fuzz of 1,000 mutated manifests through the submission route: 0 5xx, 0 partial
 * documents". Each mutation of a valid agent.yaml (and some of its bundle) is submitted; every
 * answer must be an answer (never a 5xx), every refusal a problem with a code, and what was
 * stored must be whole: each stored version readable through the API, every listing of the
 * publisher holding a version.
 */

/** mulberry32: the same 1,000 mutations on every run, so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK = [
  '',
  '~',
  '[]',
  '{}',
  '-1',
  '1e309',
  '0x1F',
  '"\\u0000"',
  '"\\ud800 lone surrogate"',
  '"\\u202e reversed"',
  'x'.repeat(5000),
  '!!binary AAAA',
  '*nowhere',
  '&a [*a, *a]',
  '{ a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: { l: { m: { n: { o: { p: { q: { r: { s: { t: { u: { v: 1 } } } } } } } } } } } } } } } } } } } } }',
  '[' + Array.from({ length: 300 }, (_, i) => `t${i}`).join(', ') + ']',
  '"__proto__"',
  '{ __name__: 1, "": 2 }',
  '{ properties: { __x__: { type: string } } }',
  '{ "__proto__": { "polluted": true } }',
  '"../../etc/passwd"',
  'true',
  'null',
  '"日本語のテキスト"',
  '|\n  multi\n  line',
];

function deepSchema(depth: number): string {
  let s = '{ type: string }';
  for (let i = 0; i < depth; i++) s = `{ type: object, properties: { a: ${s} } }`;
  return s;
}

function mutate(yaml: string, rand: () => number, index: number): string {
  const lines = yaml.split('\n');
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const at = Math.floor(rand() * lines.length);
  switch (index % 12) {
    case 0:
      lines.splice(at, 1);
      break;
    case 1:
      lines.splice(at, 0, lines[at] ?? '');
      break;
    case 2: {
      const line = lines[at] ?? '';
      const colon = line.indexOf(':');
      lines[at] = colon >= 0 ? `${line.slice(0, colon + 1)} ${pick(JUNK)}` : `${line} ${pick(JUNK)}`;
      break;
    }
    case 3:
      lines[at] = `${' '.repeat(Math.floor(rand() * 5))}${(lines[at] ?? '').trimStart()}`;
      break;
    case 4:
      return yaml.slice(0, Math.floor(rand() * yaml.length));
    case 5: {
      const text = lines.join('\n');
      const pos = Math.floor(rand() * text.length);
      return text.slice(0, pos) + pick(['\u0000', '\t', '"', "'", '{', '[', '&', '*', '!', '%', '@', '`', '\uFEFF', '🙂', '\\']) + text.slice(pos);
    }
    case 6: {
      const other = Math.floor(rand() * lines.length);
      [lines[at], lines[other]] = [lines[other] ?? '', lines[at] ?? ''];
      break;
    }
    case 7:
      return yaml.replace(/^version: .*$/m, `version: ${pick(['1.0', 'v1.0.0', '1.0.0-', '01.0.0', '1.0.0+', '9999999999999999999.0.0', '1.0.0-α', `1.${index}.0`, `2.0.${index}`])}`);
    case 8:
      return yaml.replace(/^inputs:(\n {2}.*)*$/m, `inputs: ${deepSchema(5 + Math.floor(rand() * 40))}`);
    case 9:
      return `${yaml}\n${pick(['extra: field', 'id: other-id', 'publisher: someone-else', 'permissions: [{scope: vm.delete, risk: high, reason: deletes it}]', `releaseNotes: ${pick(JUNK)}`, 'description: "\\ud83d"'])}`;
    case 10:
      return yaml.replace(/^summary: .*$/m, `summary: ${pick(JUNK)}`);
    case 11:
      return `${pick(['%YAML 1.2\n---\n', '--- !!map\n', '---\n---\n', '# comment\n', '\uFEFF', '? complex key\n: value\n'])}${yaml}`;
  }
  return lines.join('\n');
}

const agentYaml = (id: string, publisher: string, version: string) => `id: ${id}
name: Fuzz Target
version: ${version}
publisher: ${publisher}
summary: A valid agent whose manifest the fuzz mutates.
categories: [operations]
tags: [fuzz]
runtime:
  local:
    entry: src/index.js
inputs:
  type: object
  properties:
    name: { type: string }
permissions:
  - scope: vm.list
    risk: low
    reason: lists the machines it reports on
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`;

async function bundleFor(yaml: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'am-fuzz-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'agent.yaml'), yaml);
  writeFileSync(path.join(dir, 'src', 'index.js'), 'export default async function run(ctx) { return { ok: true }; }\n');
  return (await packBundle(dir)).bytes.toString('base64');
}

describe('submission fuzz', () => {
  it('1,000 mutated manifests (and bundles): no 5xx, every refusal a coded problem, nothing partial stored', { timeout: 600_000 }, async () => {
    const dev = await signUp('fuzzer');
    const publisherId = `fz-${uniqueWord()}`;
    const agentId = `fuzz-${uniqueWord()}`;
    await apiAs(dev.idToken).call('createPublisher', { body: { id: publisherId, name: 'Fuzz Labs' } });
    const base = agentYaml(agentId, publisherId, '1.0.0');
    const bundle = await bundleFor(base);
    const rand = prng(23);
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const serverErrors: { index: number; status: number; body: unknown; manifest: string }[] = [];
    let accepted = 0;

    const submit = async (index: number) => {
      const manifest = mutate(base, rand, index);
      // One in ten also mangles the bundle: random bytes, a truncated gzip, or nothing.
      const b = index % 10 === 7 ? pickBundle(bundle, rand) : bundle;
      const r = await call('POST', `/publishers/${publisherId}/agents/${agentId}/versions`, { token: dev.idToken, body: { manifest, bundle: { base64: b } } });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status >= 500) serverErrors.push({ index, status: r.status, body: r.body, manifest });
      else if (r.status >= 400) {
        const code = (r.body as { code?: string } | undefined)?.code ?? '(none)';
        codes.set(code, (codes.get(code) ?? 0) + 1);
        expect(r.contentType, `mutation ${index}`).toContain('application/problem+json');
        expect(code, `mutation ${index}`).not.toBe('(none)');
      } else accepted += 1;
    };
    // Four at a time: the route under a little concurrency, as clients send.
    for (let i = 0; i < 1000; i += 4) await Promise.all([i, i + 1, i + 2, i + 3].map(submit));

    console.log(`submission fuzz: statuses ${JSON.stringify(Object.fromEntries(statuses))}; accepted ${accepted}; codes ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(serverErrors.slice(0, 3)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(1000);

    // Nothing partial: every stored version is whole (the API serves each through its schema),
    // and every listing of the publisher holds at least one version.
    const api = apiAs(dev.idToken);
    const versions = await api.call('listDeveloperVersions', { params: { publisherId, agentId } });
    for (const v of versions.items) expect(v).toMatchObject({ agentId, publisherId, bundle: { sha256: expect.stringMatching(/^[a-f0-9]{64}$/) } });
    const listings = await adminDb.collection('agents').where('publisher', '==', publisherId).get();
    for (const listing of listings.docs) expect((await listing.ref.collection('versions').limit(1).get()).size, listing.id).toBe(1);
    expect(listings.size).toBe(versions.items.length > 0 ? 1 : 0);
  });
});

function pickBundle(good: string, rand: () => number): string {
  const bytes = Buffer.from(good, 'base64');
  switch (Math.floor(rand() * 4)) {
    case 0:
      return Buffer.from(Array.from({ length: 64 }, () => Math.floor(rand() * 256))).toString('base64');
    case 1:
      return bytes.subarray(0, Math.floor(bytes.length / 2)).toString('base64');
    case 2:
      return '';
    default: {
      const copy = Buffer.from(bytes);
      const i = 20 + Math.floor(rand() * (copy.length - 20));
      copy[i] = (copy[i] ?? 0) ^ 0xff;
      return copy.toString('base64');
    }
  }
}
