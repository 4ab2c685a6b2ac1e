import { describe, expect, it } from 'vitest';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';
import { AppError } from '../src/domain/errors.ts';

/**
 * What the submission fuzz (test/api/submissionFuzz.test.ts) found reaching Firestore or the
 * semver library as 500s: each is now a 400 with its path. Each case failed before its fix.
 */
const base = `id: shape-agent
name: Shape Agent
version: 1.0.0
publisher: shapes
summary: Checks how a manifest's shape is judged.
categories: [operations]
runtime:
  local:
    entry: src/index.js
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`;

function refusal(yaml: string): { code: string; paths: string[] } | null {
  try {
    parseManifest(yaml);
    return null;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { code: err.code, paths: (err.issues ?? []).map((i) => i.path) };
  }
}

describe('manifest shape', () => {
  it('accepts the base manifest', () => expect(refusal(base)).toBeNull());

  it('refuses an alias to no anchor as invalid YAML, not a crash', () => {
    expect(refusal(base.replace('summary: Checks', 'summary: *nowhere\nx: Checks'))?.code).toBe('manifest_yaml_invalid');
  });

  it('refuses an alias cycle by its depth, without recursing forever', () => {
    expect(refusal(`${base}tags: &a [*a, *a]\n`)).toMatchObject({ code: 'manifest_invalid' });
  });

  it('refuses text that is not well-formed Unicode, at its path', () => {
    expect(refusal(base.replace(/^summary: .*$/m, 'summary: "a lone \\ud800 surrogate here"'))).toEqual({ code: 'manifest_invalid', paths: ['manifest.summary'] });
  });

  it('refuses nesting Firestore could not store', () => {
    let schema = '{ type: string }';
    for (let i = 0; i < 12; i++) schema = `{ type: object, properties: { a: ${schema} } }`;
    expect(refusal(`${base}inputs: ${schema}\n`)?.code).toBe('manifest_invalid');
  });

  it('refuses keys Firestore keeps for itself, and empty keys', () => {
    expect(refusal(`${base}inputs: { type: object, properties: { __name__: { type: string } } }\n`)).toEqual({ code: 'manifest_invalid', paths: ['manifest.inputs.properties.__name__'] });
  });

  it('refuses version numbers past what semver tools order', () => {
    expect(refusal(base.replace('version: 1.0.0', 'version: 9999999999999999999.0.0'))?.code).toBe('manifest_invalid');
    expect(refusal(base.replace('version: 1.0.0', 'version: 9007199254740991.0.0'))).toBeNull();
  });
});
