import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { FieldIssue } from './errors.js';

/**
 * JSON Schema (2020-12) for agent inputs and config: checked when a manifest is published,
 * used to validate install config and run input.
 *
 * Each schema is compiled by an Ajv instance of its own, never registered in a shared one: a
 * shared instance keeps every schema it compiled for good (anyone signed up could grow it
 * through POST /v1/manifests/validate), and a schema's `$id` would claim a global name, so a
 * later, different schema with the same `$id` would fail. Validators are cached by the schema's
 * content, least recently used first out, so the memory they hold is bounded.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true } as const;
/**
 * Checks schemas against the 2020-12 meta-schema, and only that: `validateSchema` compiles the
 * meta-schemas once and registers nothing of the schema it checks.
 */
const metaChecker = addFormats(new Ajv2020(OPTIONS));

/** Compiled validators kept (each holds its own Ajv instance). */
export const MAX_COMPILED_SCHEMAS = 256;
const cache = new Map<string, ValidateFunction>();

export type JsonSchemaObject = Record<string, unknown>;

function compile(schema: JsonSchemaObject): ValidateFunction {
  // Keyed by the content itself (exact, where a short hash could collide): the text is bounded
  // by the manifest's size, and Ajv holds as much for each validator anyway.
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) {
    // Map order is insertion order: re-inserting marks it most recently used.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  if (!metaChecker.validateSchema(schema)) throw new Error(metaChecker.errorsText(metaChecker.errors));
  // Its own instance, thrown away with the validator; the formats come as a ready table, and
  // the meta-schema check above is not repeated (about 2.5 ms a compile here, instead of 35).
  const ajv = new Ajv2020({ ...OPTIONS, formats: fullFormats, meta: false, validateSchema: false, addUsedSchema: false });
  // A deep copy: Ajv keeps the object it compiled, and the caller's may change later.
  const fn = ajv.compile(structuredClone(schema));
  if (cache.size >= MAX_COMPILED_SCHEMAS) cache.delete(cache.keys().next().value!);
  cache.set(key, fn);
  return fn;
}

/** How many compiled validators are held (for tests and metrics). */
export function compiledSchemaCount(): number {
  return cache.size;
}

/** Null when the schema is a usable JSON Schema for an object, or why it is not. */
export function schemaProblem(schema: JsonSchemaObject): string | null {
  if (schema['type'] !== 'object') return 'must be a JSON Schema with "type": "object"';
  try {
    compile(schema);
    return null;
  } catch (err) {
    return `is not a valid JSON Schema: ${(err as Error).message}`;
  }
}

function issueOf(prefix: string, e: ErrorObject): FieldIssue {
  const pointer = e.instancePath.split('/').filter(Boolean);
  const missing = e.keyword === 'required' ? [String((e.params as { missingProperty: string }).missingProperty)] : [];
  const extra = e.keyword === 'additionalProperties' ? [String((e.params as { additionalProperty: string }).additionalProperty)] : [];
  return {
    path: [prefix, ...pointer, ...missing, ...extra].join('.'),
    message: extra.length ? 'is not allowed' : (e.message ?? 'is invalid'),
    code: e.keyword,
  };
}

/** Validates `value` against `schema`; returns every problem at its path under `prefix`. */
export function validateAgainst(schema: JsonSchemaObject, value: unknown, prefix: string): FieldIssue[] {
  const fn = compile(schema);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => issueOf(prefix, e));
}
