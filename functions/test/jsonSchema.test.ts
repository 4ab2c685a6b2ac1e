import { describe, expect, it } from 'vitest';
import { compiledSchemaCount, MAX_COMPILED_SCHEMAS, schemaProblem, validateAgainst } from '../src/domain/jsonSchema.ts';

describe('manifest JSON Schemas are compiled each on its own', () => {
  it('two different schemas with the same $id both validate by their own rules', () => {
    const a = { $id: 'https://example.test/config', type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const b = { $id: 'https://example.test/config', type: 'object', properties: { s: { type: 'string' } }, required: ['s'] };
    expect(schemaProblem(a)).toBeNull();
    expect(schemaProblem(b)).toBeNull();
    expect(validateAgainst(a, { n: 1 }, 'config')).toEqual([]);
    expect(validateAgainst(b, { s: 'x' }, 'config')).toEqual([]);
    expect(validateAgainst(a, { s: 'x' }, 'config').map((i) => i.path)).toEqual(['config.n']);
    expect(validateAgainst(b, { n: 1 }, 'config').map((i) => i.path)).toEqual(['config.s']);
  });

  it('a schema that failed to compile leaves no name behind', () => {
    const broken = { $id: 'https://example.test/broken', type: 'object', properties: { n: { type: 'nonsense' } } };
    expect(schemaProblem(broken)).toMatch(/not a valid JSON Schema/);
    expect(schemaProblem({ $id: 'https://example.test/broken', type: 'object' })).toBeNull();
  });

  it('10,000 distinct schemas keep the cache bounded, and a cached schema still validates', () => {
    const first = { type: 'object', properties: { v0: { type: 'integer' } }, required: ['v0'] };
    expect(validateAgainst(first, {}, 'input')).toHaveLength(1);
    for (let i = 1; i <= 10_000; i++) {
      const schema = { $id: `https://example.test/s${i % 7}`, type: 'object', properties: { [`v${i}`]: { type: 'integer' } }, required: [`v${i}`] };
      expect(validateAgainst(schema, { [`v${i}`]: i }, 'input')).toEqual([]);
      expect(compiledSchemaCount()).toBeLessThanOrEqual(MAX_COMPILED_SCHEMAS);
    }
    expect(validateAgainst(first, {}, 'input')).toHaveLength(1);
  }, 240_000);
});
