import type { ExecutionSpec, Executor } from '../../app/runs/ports.js';

export interface CloudRunExecutorOptions {
  projectId: string;
  region: string;
}

/** Each agent version is deployed as its own Cloud Run job (its image cannot be overridden per execution). */
export function jobNameFor(agentId: string, version: string): string {
  const v = version.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `agent-${agentId}-v${v}`.slice(0, 63).replace(/-+$/, '');
}

/** The RunJob request for one run attempt: environment overrides carry the runner contract. */
export function runJobRequest(options: CloudRunExecutorOptions, spec: ExecutionSpec) {
  return {
    name: `projects/${options.projectId}/locations/${options.region}/jobs/${jobNameFor(spec.agentId, spec.agentVersion)}`,
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
  };
}

/** Production executor: a Cloud Run job execution per run attempt. The client loads lazily. */
export class CloudRunJobExecutor implements Executor {
  readonly kind = 'cloud-run' as const;

  constructor(private readonly options: CloudRunExecutorOptions) {}

  async start(spec: ExecutionSpec): Promise<{ executionId: string }> {
    const { JobsClient } = await import('@google-cloud/run');
    const client = new JobsClient();
    const [operation] = await client.runJob(runJobRequest(this.options, spec));
    const metadata = operation.metadata as { name?: string } | null;
    return { executionId: metadata?.name ?? operation.name ?? 'unknown' };
  }

  async cancel(executionId: string): Promise<void> {
    if (!executionId.startsWith('projects/')) return;
    const { ExecutionsClient } = await import('@google-cloud/run');
    try {
      await new ExecutionsClient().cancelExecution({ name: executionId });
    } catch (err) {
      // NOT_FOUND or FAILED_PRECONDITION: the execution has already ended.
      if (![5, 9].includes((err as { code?: number }).code ?? -1)) throw err;
    }
  }
}
