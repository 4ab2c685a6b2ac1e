import { z } from 'zod';
import { Id } from './common.js';
import { AgentId, SemVer } from './manifest.js';
import { RUNNER_API_PATH } from './routes.js';

/**
 * The execution environment: what a run execution (a Cloud Run job task, or the local
 * executor's child process) finds in its environment. The runner parses it at start; both
 * executors build the platform's part with `executionEnv`, so they cannot disagree.
 */


const count = (min: number, max: number) => z.string().regex(/^\d+$/, 'a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

/** Set by the platform for each execution: Cloud Run's per-execution overrides, or the local spawn. */
export const PlatformEnv = z.object({
  /** The run this execution works on. */
  RUN_ID: Id,
  /** Which attempt of the run (1 for the first). */
  RUN_ATTEMPT: count(1, 100),
  AGENT_ID: AgentId,
  AGENT_VERSION: SemVer,
  /** The runner API's root, e.g. `https://api.example.com/v1/runner`. */
  RUNNER_API_URL: z.url().refine((u) => u.replace(/\/$/, '').endsWith(RUNNER_API_PATH), `a URL ending with ${RUNNER_API_PATH}`),
  /**
   * A one-time bootstrap token, exchanged at start (`runnerSession`) for the run's session token.
   * Execution metadata (Cloud Run's env overrides) is readable by anyone with
   * `run.executions.get`, so no long-lived credential goes here: this one is spent within
   * seconds, and refused after its short window.
   */
  RUNNER_BOOTSTRAP_TOKEN: z.string().min(16),
  /** How often a quiet runner says it is alive. */
  RUNNER_HEARTBEAT_SECONDS: count(1, 3600),
  /** The manifest's timeout: the runner stops the agent and reports `timed_out` at it. */
  RUN_TIMEOUT_SECONDS: count(1, 7 * 24 * 3600),
});

/** Baked into each agent's image by its Dockerfile; the local executor sets them as the image would. */
export const ImageEnv = z.object({
  /** The agent's module, whose default export the runner calls. */
  AGENT_ENTRY: z.string().min(1),
});

/** Present only when the execution has them. */
export const OptionalEnv = z.object({
  /** The cloud the agent acts on: `sandbox` (a local account built from a fixture) or none. */
  CLOUD_PROVIDER: z.enum(['sandbox', 'none']).default('none'),
  /** The sandbox account's fixture file (local executor only). */
  CLOUD_FIXTURE: z.string().min(1).optional(),
  /** An OpenAI-compatible model, when the platform configures one. */
  LLM_BASE_URL: z.url().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_API_KEY: z.string().min(1).optional(),
});

export const ExecutionEnv = z.object({ ...PlatformEnv.shape, ...ImageEnv.shape, ...OptionalEnv.shape });
export type ExecutionEnv = z.output<typeof ExecutionEnv>;

/** The platform's part as environment variables (all strings). */
export type PlatformEnvVars = { [K in keyof z.input<typeof PlatformEnv>]: string };

export const PLATFORM_ENV_NAMES = Object.keys(PlatformEnv.shape) as (keyof PlatformEnvVars)[];
export const IMAGE_ENV_NAMES = Object.keys(ImageEnv.shape) as (keyof z.input<typeof ImageEnv>)[];
export const OPTIONAL_ENV_NAMES = Object.keys(OptionalEnv.shape) as (keyof z.input<typeof OptionalEnv>)[];

export interface ExecutionFacts {
  runId: string;
  attempt: number;
  agentId: string;
  agentVersion: string;
  runnerApiUrl: string;
  bootstrapToken: string;
  heartbeatSeconds: number;
  timeoutSeconds: number;
}

/** The environment the platform hands every execution of a run attempt. */
export function executionEnv(f: ExecutionFacts): PlatformEnvVars {
  const env: PlatformEnvVars = {
    RUN_ID: f.runId,
    RUN_ATTEMPT: String(f.attempt),
    AGENT_ID: f.agentId,
    AGENT_VERSION: f.agentVersion,
    RUNNER_API_URL: f.runnerApiUrl,
    RUNNER_BOOTSTRAP_TOKEN: f.bootstrapToken,
    RUNNER_HEARTBEAT_SECONDS: String(f.heartbeatSeconds),
    RUN_TIMEOUT_SECONDS: String(f.timeoutSeconds),
  };
  // Built from the schema's own rules: a bad value fails here, not in a runner far away.
  PlatformEnv.parse(env);
  return env;
}

export class ExecutionEnvError extends Error {
  readonly problems: { name: string; message: string }[];
  constructor(problems: { name: string; message: string }[]) {
    super(`the execution environment is incomplete or invalid: ${problems.map((p) => `${p.name}: ${p.message}`).join('; ')}`);
    this.name = 'ExecutionEnvError';
    this.problems = problems;
  }
}

/** Reads the execution environment; the error names every variable that is missing or wrong. */
export function parseExecutionEnv(env: Record<string, string | undefined>): ExecutionEnv {
  const known = Object.fromEntries(Object.keys(ExecutionEnv.shape).map((name) => [name, env[name] === '' ? undefined : env[name]]));
  const result = ExecutionEnv.safeParse(known);
  if (result.success) return result.data;
  throw new ExecutionEnvError(
    result.error.issues.map((i) => ({
      name: String(i.path[0] ?? '(environment)'),
      message: known[String(i.path[0])] === undefined ? 'missing' : i.message,
    })),
  );
}
