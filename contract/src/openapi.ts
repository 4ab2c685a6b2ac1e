import { z } from 'zod';
import { COMMON_ERRORS, Problem } from './common.js';
import type { Endpoint } from './endpoint.js';

type JsonSchema = Record<string, unknown>;

/** OpenAPI 3.1 for a set of endpoints, from the same zod schemas the API validates with. */
export function buildOpenApi(endpoints: readonly Endpoint[], version: string): Record<string, unknown> {
  // Named schemas (zod `.meta({ id })`) are shared by reference under components.schemas.
  const components: Record<string, JsonSchema> = {};

  const toComponentRefs = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(toComponentRefs);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : toComponentRefs(v)]),
      );
    }
    return value;
  };

  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const { $schema: _drop, $defs, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    for (const [name, def] of Object.entries($defs ?? {})) components[name] ??= toComponentRefs(def) as JsonSchema;
    return toComponentRefs(rest) as JsonSchema;
  };

  const problemResponse = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });

  const parametersOf = (e: Endpoint): unknown[] => {
    const out: unknown[] = [];
    const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
      if (!schema || !(schema instanceof z.ZodObject)) return;
      for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
        out.push({ name, in: where, required: where === 'path' || !field.safeParse(undefined).success, schema: toSchema(field, 'input') });
      }
    };
    add(e.params, 'path');
    add(e.query, 'query');
    if (e.idempotent) {
      out.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Replays the first response for 24 hours when the same key and body are sent again.',
        schema: { type: 'string', maxLength: 255 },
      });
    }
    return out;
  };

  const securityOf = (e: Endpoint): unknown[] => {
    switch (e.access.kind) {
      case 'public':
        return [];
      case 'user':
        return [{ firebaseIdToken: [] }];
      case 'runner':
        return [{ runnerToken: [] }];
      case 'workspace':
        return e.access.apiKeys === false ? [{ firebaseIdToken: [] }] : [{ firebaseIdToken: [] }, { apiKey: [] }];
    }
  };

  const successOf = (e: Endpoint) => {
    const { status, description, schema, stream, file } = e.response;
    if (status === 204) return { description };
    if (stream) return { description, content: { [stream.contentType]: { schema: { type: 'string' } } } };
    if (file) return { description, content: { [file.contentType.split(';')[0]!]: { schema: { type: 'string', format: 'binary' } } } };
    return { description, content: { 'application/json': { schema: toSchema(schema, 'output') } } };
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) {
    const path = e.path.replace(/::([A-Za-z]+)|:([A-Za-z]+)/g, (_m, verb: string | undefined, name: string | undefined) => (verb ? `:${verb}` : `{${name}}`));
    const responses: Record<string, unknown> = { [e.response.status]: successOf(e) };
    const errorCodes = new Set([...Object.keys(COMMON_ERRORS).map(Number), ...(e.errors ?? [])]);
    if (e.access.kind === 'public') {
      errorCodes.delete(401);
      errorCodes.delete(403);
    }
    if (e.idempotent) {
      errorCodes.add(409);
      errorCodes.add(422);
    }
    for (const code of [...errorCodes].sort()) responses[code] = problemResponse(COMMON_ERRORS[code] ?? 'See the problem code');
    (paths[path] ??= {})[e.method.toLowerCase()] = {
      operationId: e.operationId,
      summary: e.summary,
      tags: e.tags,
      security: securityOf(e),
      parameters: parametersOf(e),
      ...(e.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(e.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Agent Marketplace API',
      version,
      description:
        'Discover, install and run AI agents. Errors are application/problem+json with a stable `code`; every response carries X-Request-Id; lists use cursor pagination (`limit`, `cursor` → `nextCursor`).',
    },
    servers: [{ url: '/' }],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { ...components, Problem: toSchema(Problem, 'output') },
      securitySchemes: {
        firebaseIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'Firebase ID token' },
        apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'Workspace API key (amk_...)' },
        runnerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'Run-scoped runner token (rt_...)' },
      },
    },
  };
}
