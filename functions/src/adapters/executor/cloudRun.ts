import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/run';
import type { ExecutionSpec, Executor } from '../../app/runs/ports.js';
import { AppError } from '../../domain/errors.js';

type RunJobRequest = protos.google.cloud.run.v2.IRunJobRequest;

export interface CloudRunExecutorOptions {
  projectId: string;
  region: string;
  /**
   * The identity executions run as: a dedicated service account with no project roles (the
   * agent's code holds whatever it can reach), e.g. `agent-runner@<project>.iam.gserviceaccount.com`.
   */
  serviceAccount: string;
  /** Direct VPC egress: all of an execution's traffic leaves through this network, whose firewall decides (docs/runner-isolation.md). */
  egress: { network: string; subnetwork: string };
}

/** The default runner identity of a project. */
export const defaultRunnerServiceAccount = (projectId: string) => `agent-runner@${projectId}.iam.gserviceaccount.com`;
/** The network tag the egress firewall rules target. */
export const RUNNER_NETWORK_TAG = 'agent-runner';

const MAX_JOB_NAME = 63;

/**
 * Each agent version is deployed as its own Cloud Run job (its image cannot be overridden per
 * execution). A name past Cloud Run's 63 characters is cut and ends in a hash of the whole, so
 * two long versions never share (and overwrite) one job.
 */
export function jobNameFor(agentId: string, version: string): string {
  const v = version.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const full = `agent-${agentId}-v${v}`.replace(/-+$/, '');
  if (full.length <= MAX_JOB_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_JOB_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** The full resource name of a version's job. */
export function jobResourceName(options: Pick<CloudRunExecutorOptions, 'projectId' | 'region'>, agentId: string, version: string): string {
  return `projects/${options.projectId}/locations/${options.region}/jobs/${jobNameFor(agentId, version)}`;
}

/** The RunJob request for one run attempt: environment overrides carry the runner contract. */
export function runJobRequest(options: CloudRunExecutorOptions, spec: ExecutionSpec) {
  return {
    name: jobResourceName(options, spec.agentId, spec.agentVersion),
    overrides: {
      taskCount: 1,
      // The runner stops the agent at the manifest's timeout and reports it; Cloud Run's own
      // limit is a backstop a minute later.
      timeout: { seconds: spec.manifest.resources.timeoutSeconds + 60 },
      containerOverrides: [
        {
          env: Object.entries(spec.env).map(([name, value]) => ({ name, value })),
        },
      ],
    },
  } satisfies RunJobRequest;
}

/** The part of the Cloud Run jobs client the executor uses (the real client satisfies it). */
export interface RunJobsClient {
  runJob(request: RunJobRequest): Promise<[{ name?: string | null; metadata?: unknown }, ...unknown[]]>;
}

const grpcCode = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/**
 * Production executor: a Cloud Run job execution per run attempt. Jobs are created by the
 * version deployer when a version is approved (adapters/deploy); a run of a version without
 * one fails at once instead of creating it here. The client loads lazily.
 */
export class CloudRunJobExecutor implements Executor {
  readonly kind = 'cloud-run' as const;
  private clientPromise: Promise<RunJobsClient> | undefined;

  constructor(
    private readonly options: CloudRunExecutorOptions,
    clients: { jobs?: RunJobsClient } = {},
  ) {
    if (clients.jobs) this.clientPromise = Promise.resolve(clients.jobs);
  }

  private client(): Promise<RunJobsClient> {
    this.clientPromise ??= import('@google-cloud/run')
      .then(({ JobsClient }) => {
        const client: RunJobsClient = new JobsClient();
        return client;
      })
      .catch((err: unknown) => {
        this.clientPromise = undefined;
        throw err;
      });
    return this.clientPromise;
  }

  async start(spec: ExecutionSpec): Promise<{ executionId: string }> {
    const client = await this.client();
    const [operation] = await client.runJob(runJobRequest(this.options, spec)).catch((err: unknown) => {
      // NOT_FOUND: no job was deployed for this version; FAILED_PRECONDITION: its job cannot take executions now.
      const code = grpcCode(err);
      if (code !== 5 && code !== 9) throw err;
      const why = code === 5 ? 'has no deployed job' : `has a job that is not ready (${(err as Error).message})`;
      throw new AppError('precondition', 'job_not_ready', `${spec.agentId}@${spec.agentVersion} ${why}; it runs once the version is deployed.`);
    });
    const metadata = operation.metadata as { name?: string } | null | undefined;
    return { executionId: metadata?.name ?? operation.name ?? 'unknown' };
  }

  async cancel(executionId: string): Promise<void> {
    if (!executionId.startsWith('projects/')) return;
    const { ExecutionsClient } = await import('@google-cloud/run');
    try {
      await new ExecutionsClient().cancelExecution({ name: executionId });
    } catch (err) {
      // NOT_FOUND or FAILED_PRECONDITION: the execution has already ended.
      if (![5, 9].includes(grpcCode(err) ?? -1)) throw err;
    }
  }
}
