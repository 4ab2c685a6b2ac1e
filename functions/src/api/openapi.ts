import { z } from 'zod';
import { Problem } from './problem.js';
import type { RouteDef } from './route.js';

type JsonSchema = Record<string, unknown>;

/** Named schemas (zod `.meta({ id })`) shared by reference under components.schemas. */
let components: Record<string, JsonSchema> = {};

const toComponentRefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : toComponentRefs(v),
      ]),
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

const COMMON_ERRORS: Record<number, string> = {
  400: 'Invalid input (validation_failed, malformed_json, ...)',
  401: 'Missing, expired, forged or revoked credentials',
  403: 'Authenticated, but the role or scope does not allow this',
  404: 'Not found, or not visible to the caller',
  413: 'Request body larger than 1 MiB',
  500: 'A bug; the request id is logged',
};

function parametersOf(route: RouteDef): unknown[] {
  const out: unknown[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema || !(schema instanceof z.ZodObject)) return;
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      out.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        schema: toSchema(field, 'input'),
      });
    }
  };
  add(route.params, 'path');
  add(route.query, 'query');
  if (route.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Replays the first response for 24 hours when the same key and body are sent again.',
      schema: { type: 'string', maxLength: 255 },
    });
  }
  return out;
}

function securityOf(route: RouteDef): unknown[] {
  switch (route.access.kind) {
    case 'public':
      return [];
    case 'user':
      return [{ firebaseIdToken: [] }];
    case 'runner':
      return [{ runnerToken: [] }];
    case 'workspace':
      return route.access.apiKeys === false ? [{ firebaseIdToken: [] }] : [{ firebaseIdToken: [] }, { apiKey: [] }];
  }
}

/** OpenAPI 3.1, generated from the same zod schemas the router validates with. */
export function buildOpenApi(routes: readonly RouteDef[], version: string): Record<string, unknown> {
  components = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/::([A-Za-z]+)|:([A-Za-z]+)/g, (_m, verb: string | undefined, name: string | undefined) => (verb ? `:${verb}` : `{${name}}`));
    const responses: Record<string, unknown> = {
      [route.response.status]:
        route.response.status === 204
          ? { description: route.response.description }
          : { description: route.response.description, content: { 'application/json': { schema: toSchema(route.response.schema, 'output') } } },
    };
    const errorCodes = new Set([...Object.keys(COMMON_ERRORS).map(Number), ...(route.errors ?? [])]);
    if (route.access.kind === 'public') {
      errorCodes.delete(401);
      errorCodes.delete(403);
    }
    if (route.idempotent) {
      errorCodes.add(409);
      errorCodes.add(422);
    }
    for (const code of [...errorCodes].sort()) responses[code] = problemResponse(COMMON_ERRORS[code] ?? 'See the problem code');
    (paths[path] ??= {})[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      security: securityOf(route),
      parameters: parametersOf(route),
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } } }
        : {}),
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
