import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FieldIssue } from './errors.js';

/**
 * JSON Schema (2020-12) for agent inputs and config: checked when a manifest is published,
 * used to validate install config and run input. Compiled validators are cached per schema.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }));
const cache = new Map<string, ValidateFunction>();

export type JsonSchemaObject = Record<string, unknown>;

function compile(schema: JsonSchemaObject): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = cache.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    if (cache.size > 500) cache.clear();
    cache.set(key, fn);
  }
  return fn;
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
