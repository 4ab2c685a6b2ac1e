import type { BuildRequest, BuildState, JobReadiness, VersionDeployer } from '../../app/publishing/ports.js';
import type { Manifest } from '../../domain/manifest.js';
import type { CloudRunExecutorOptions } from '../executor/cloudRun.js';
import { buildStatus, startBuild, type BuildsApi, type CloudBuildOptions } from './cloudBuild.js';
import { deployJob, jobReadiness, type JobsApi } from './cloudRunJobs.js';

export interface CloudDeployerOptions {
  build: CloudBuildOptions;
  /** The jobs' identity and egress: the same options the Cloud Run executor runs them with. */
  jobs: CloudRunExecutorOptions;
}

/** How the deployer gets its clients; tests pass their own, production loads the libraries on first use. */
export interface CloudDeployerClients {
  builds?: () => Promise<BuildsApi>;
  jobs?: () => Promise<JobsApi>;
}

/** Loads once; a failed load is tried again on the next call. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/**
 * Production deployer: the image is built from the bundle by Cloud Build, then the version's
 * Cloud Run job is created or updated to it. The SDKs (gRPC, protos) load lazily.
 */
export class CloudVersionDeployer implements VersionDeployer {
  readonly kind = 'cloud' as const;
  private readonly builds: () => Promise<BuildsApi>;
  private readonly jobs: () => Promise<JobsApi>;

  constructor(
    private readonly options: CloudDeployerOptions,
    clients: CloudDeployerClients = {},
  ) {
    this.builds = once(
      clients.builds ??
        (async () => {
          const { CloudBuildClient } = await import('@google-cloud/cloudbuild');
          const client: BuildsApi = new CloudBuildClient();
          return client;
        }),
    );
    this.jobs = once(
      clients.jobs ??
        (async () => {
          const { JobsClient } = await import('@google-cloud/run');
          const client: JobsApi = new JobsClient();
          return client;
        }),
    );
  }

  async startBuild(request: BuildRequest): Promise<BuildState> {
    return startBuild(await this.builds(), this.options.build, request);
  }

  async buildStatus(buildId: string): Promise<BuildState> {
    return buildStatus(await this.builds(), this.options.build, buildId);
  }

  async deployJob(manifest: Manifest, image: string): Promise<{ job: string }> {
    return deployJob(await this.jobs(), this.options.jobs, manifest, image);
  }

  async jobReadiness(agentId: string, version: string): Promise<JobReadiness> {
    return jobReadiness(await this.jobs(), this.options.jobs, agentId, version);
  }
}
