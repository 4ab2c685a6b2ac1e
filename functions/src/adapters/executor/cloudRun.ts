import type { ExecutionSpec, Executor } from '../../app/runs/ports.js';
import type { Manifest } from '../../domain/manifest.js';

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

/**
 * The Cloud Run job of one agent version (jobs.create): its image, resources, identity and
 * egress. Executions of it only override the environment and the timeout (`runJobRequest`).
 */
export function jobDefinition(options: CloudRunExecutorOptions, manifest: Manifest) {
  // The default compute identity holds Editor on the project: an agent must never run as it.
  if (/-compute@developer\.gserviceaccount\.com$|@appspot\.gserviceaccount\.com$/.test(options.serviceAccount)) {
    throw new Error(`Agents run as a dedicated service account with no project roles, not ${options.serviceAccount}.`);
  }
  if (!manifest.runtime.image) throw new Error(`${manifest.id}@${manifest.version} has no image to deploy.`);
  const { cpu, memoryMiB, timeoutSeconds } = manifest.resources;
  return {
    parent: `projects/${options.projectId}/locations/${options.region}`,
    jobId: jobNameFor(manifest.id, manifest.version),
    job: {
      labels: { 'agent-id': manifest.id, role: 'agent-runner' },
      template: {
        taskCount: 1,
        template: {
          containers: [{ image: manifest.runtime.image, resources: { limits: { cpu: String(cpu), memory: `${memoryMiB}Mi` } } }],
          timeout: { seconds: timeoutSeconds + 60 },
          serviceAccount: options.serviceAccount,
          // The platform retries an attempt itself, with a fresh bootstrap token; a task Cloud Run
          // re-ran would only find its token spent.
          maxRetries: 0,
          vpcAccess: {
            egress: 'ALL_TRAFFIC' as const,
            networkInterfaces: [{ network: options.egress.network, subnetwork: options.egress.subnetwork, tags: [RUNNER_NETWORK_TAG] }],
          },
        },
      },
    },
  };
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
    const run = () => client.runJob(runJobRequest(this.options, spec));
    const [operation] = await run().catch(async (err: unknown) => {
      // NOT_FOUND: the version's first run creates its job (service account, egress), then runs it.
      if ((err as { code?: number }).code !== 5) throw err;
      const [created] = await client.createJob(jobDefinition(this.options, spec.manifest));
      await created.promise();
      return run();
    });
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
