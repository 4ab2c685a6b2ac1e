import { z } from 'zod';

/**
 * The agent manifest (`agent.yaml`): the single source of truth for what an agent is,
 * what it needs and what it costs. The catalog issue deepens it; the shape of the fields
 * here is already the contract agent developers write against.
 */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export const AgentId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{2,62}$/, 'lowercase letters, digits and dashes, 3 to 63 characters, starting with a letter');

export const SemVer = z.string().regex(SEMVER, 'a semantic version such as 1.2.3');

export const ManifestSchema = z
  .object({
    id: AgentId,
    name: z.string().min(2).max(80),
    version: SemVer,
    publisher: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
    summary: z.string().min(10).max(200),
    description: z.string().max(20_000).default(''),
    categories: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1).max(5),
    tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).max(20).default([]),
    runtime: z
      .object({
        /** Production: a container image pinned by digest. */
        image: z
          .string()
          .regex(/^[a-z0-9.\-/:]+@sha256:[a-f0-9]{64}$/, 'an image reference pinned by sha256 digest')
          .optional(),
        /** Local executor: the module (relative to the agent folder) the runner imports. */
        local: z.object({ entry: z.string().regex(/^[\w./-]+\.(?:m?js|ts)$/) }).strict(),
      })
      .strict(),
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
        model: z.enum(['free', 'subscription', 'per_run', 'per_unit']),
        currency: z.literal('usd').default('usd'),
        amountCents: z.number().int().min(0).default(0),
        unit: z.string().optional(),
      })
      .strict(),
    license: z.string().max(80).optional(),
    support: z.object({ email: z.email().optional(), url: z.url().optional() }).strict().optional(),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;
