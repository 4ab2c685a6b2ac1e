import { z } from 'zod';

/**
 * The agent manifest (`agent.yaml`): what an agent is, what it needs, what it may do and what
 * it costs. `agents/agent.schema.json` and `GET /v1/schemas/agent-manifest.json` are generated
 * from it for agent developers and their editors.
 */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export const AgentId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{2,62}$/, 'lowercase letters, digits and dashes, 3 to 63 characters, starting with a letter');

export const SemVer = z
  .string()
  .max(64)
  .regex(SEMVER, 'a semantic version such as 1.2.3')
  // Each number must be one the platform can order (semver tools refuse parts above 2^53 - 1).
  .refine((v) => v.split(/[-+]/)[0]!.split('.').every((n) => Number(n) <= Number.MAX_SAFE_INTEGER), 'version numbers up to 9007199254740991');

export const CATEGORIES = ['finops', 'security', 'compliance', 'reliability', 'observability', 'kubernetes', 'operations', 'data'] as const;
export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

export const Risk = z.enum(['low', 'medium', 'high', 'critical']);
export type Risk = z.infer<typeof Risk>;

/** The per-run bound on reported usage units when a manifest's pricing names none. */
export const DEFAULT_MAX_UNITS_PER_RUN = 1000;

export const PricingModel = z.enum(['free', 'subscription', 'per_run', 'per_unit']);
export type PricingModel = z.infer<typeof PricingModel>;

/** A permission scope: `<resource kind>.<verb>`, e.g. `vm.list`, `vm.stop`, `billing.read`. */
export const Scope = z.string().regex(/^[a-z][a-z0-9]*(?:\.[a-z][a-z0-9]*)*\.[a-z][a-z0-9]*$/, 'a scope such as vm.stop');

export const MemoryLevel = z.enum(['session', 'task', 'vector', 'episode']);

export const PublisherId = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes');
export const Tag = z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lowercase tag');

const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {}, additionalProperties: false };

/**
 * Says why a JSON Schema is unusable, or null. The contract checks the shape only (an object
 * schema); the platform passes a full JSON Schema compiler when it validates a submission.
 */
export type JsonSchemaCheck = (schema: Record<string, unknown>) => string | null;
const objectSchemaOnly: JsonSchemaCheck = (schema) => (schema['type'] === 'object' ? null : 'must be a JSON Schema with "type": "object"');

/** The manifest schema, with `checkJsonSchema` judging its inputs, outputs and config schemas. */
export function manifestSchema(checkJsonSchema: JsonSchemaCheck = objectSchemaOnly) {
  const JsonSchemaObj = z
    .record(z.string(), z.unknown())
    .superRefine((schema, ctx) => {
      const problem = checkJsonSchema(schema);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ description: 'A JSON Schema (2020-12) with "type": "object"' });

  return z
    .object({
      id: AgentId,
      name: z.string().trim().min(2).max(80),
      version: SemVer,
      publisher: PublisherId,
      summary: z.string().trim().min(10).max(200),
      /** Markdown, rendered sanitised. */
      description: z.string().max(20_000).default(''),
      categories: z.array(Category).min(1).max(3),
      tags: z.array(Tag).max(20).default([]),
      runtime: z
        .object({
          /** Production: a container image pinned by digest. */
          image: z
            .string()
            .regex(/^[a-z0-9][a-z0-9.\-/:]*@sha256:[a-f0-9]{64}$/, 'an image reference pinned by sha256 digest (…@sha256:<64 hex>)')
            .optional(),
          /** Local executor: the module (relative to the agent folder) the runner imports. */
          local: z.object({ entry: z.string().regex(/^(?!\/)(?!.*\.\.)[\w./-]+\.(?:m?js|ts)$/, 'a relative .js or .ts path inside the agent folder') }).strict(),
        })
        .strict(),
      /** JSON Schema of a run's input. */
      inputs: JsonSchemaObj.default(EMPTY_OBJECT_SCHEMA),
      /** JSON Schema of a run's outputs; a run whose outputs break it fails with `output_invalid`. */
      outputs: JsonSchemaObj.optional(),
      /** JSON Schema of an install's configuration. */
      config: JsonSchemaObj.default(EMPTY_OBJECT_SCHEMA),
      secrets: z
        .array(
          z
            .object({
              name: z.string().regex(/^[A-Z][A-Z0-9_]{1,62}$/, 'UPPER_SNAKE_CASE'),
              description: z.string().min(3).max(300),
              required: z.boolean().default(true),
            })
            .strict(),
        )
        .max(20)
        .default([]),
      permissions: z
        .array(z.object({ scope: Scope, risk: Risk, reason: z.string().min(3).max(300) }).strict())
        .max(50)
        .default([]),
      /** Actions (permission scopes) that wait for a human decision before they run. */
      approvals: z
        .array(z.object({ action: Scope, description: z.string().min(3).max(300), risk: Risk, levels: z.number().int().min(1).max(3).default(1) }).strict())
        .max(20)
        .default([]),
      memory: z.array(MemoryLevel).max(4).default([]),
      llm: z.object({ purpose: z.string().min(3).max(300), optional: z.literal(true) }).strict().optional(),
      resources: z
        .object({
          cpu: z.number().positive().max(8).default(1),
          memoryMiB: z.number().int().min(128).max(32_768).default(512),
          timeoutSeconds: z.number().int().min(10).max(86_400).default(900),
        })
        .strict()
        .default({ cpu: 1, memoryMiB: 512, timeoutSeconds: 900 }),
      pricing: z
        .object({
          model: PricingModel,
          currency: z.literal('usd').default('usd'),
          /** Monthly price (subscription), price per run, or price per unit, in cents. */
          amountCents: z.number().int().min(0).max(10_000_000).default(0),
          unit: z.string().regex(/^[a-z][a-z0-9 -]{0,30}$/).optional(),
          /**
           * The most billing units one run may report (all attempts together): a report above it
           * fails the run (`usage_limit_exceeded`) instead of billing it.
           */
          maxUnitsPerRun: z.number().positive().max(1e9).default(DEFAULT_MAX_UNITS_PER_RUN),
        })
        .strict(),
      license: z.string().min(2).max(80),
      support: z
        .object({ email: z.email().optional(), url: z.url().optional() })
        .strict()
        .refine((s) => s.email || s.url, 'give an email or a url'),
      releaseNotes: z.string().max(10_000).optional(),
    })
    .strict()
    .superRefine((m, ctx) => {
      const scopes = new Set<string>();
      m.permissions.forEach((p, i) => {
        if (scopes.has(p.scope)) ctx.addIssue({ code: 'custom', path: ['permissions', i, 'scope'], message: `duplicate scope ${p.scope}` });
        scopes.add(p.scope);
      });
      m.approvals.forEach((a, i) => {
        if (!scopes.has(a.action)) ctx.addIssue({ code: 'custom', path: ['approvals', i, 'action'], message: `${a.action} is not among the permissions` });
      });
      const names = new Set<string>();
      m.secrets.forEach((s, i) => {
        if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: ['secrets', i, 'name'], message: `duplicate secret ${s.name}` });
        names.add(s.name);
      });
      const { model, amountCents, unit } = m.pricing;
      if (model === 'free' && amountCents !== 0) ctx.addIssue({ code: 'custom', path: ['pricing', 'amountCents'], message: 'a free agent costs 0' });
      if (model !== 'free' && amountCents <= 0) ctx.addIssue({ code: 'custom', path: ['pricing', 'amountCents'], message: `a ${model} price must be above 0` });
      if (model === 'per_unit' && !unit) ctx.addIssue({ code: 'custom', path: ['pricing', 'unit'], message: 'per_unit pricing names its unit' });
      if (new Set(m.tags).size !== m.tags.length) ctx.addIssue({ code: 'custom', path: ['tags'], message: 'tags must be unique' });
    });
}

/** The manifest as the API serves it (JSON Schemas checked for shape only). */
export const Manifest = manifestSchema().meta({ id: 'Manifest' });
export type Manifest = z.infer<typeof Manifest>;
export type ManifestInput = z.input<typeof Manifest>;

/** The JSON Schema of agent.yaml, for editors and `GET /v1/schemas/agent-manifest.json`. */
export function manifestJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://agent-marketplace.dev/schemas/agent-manifest.json',
    title: 'Agent Marketplace agent.yaml',
    ...(z.toJSONSchema(manifestSchema(), { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
  };
}
