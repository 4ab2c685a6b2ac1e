import type { protos } from '@google-cloud/run';
import type { JobReadiness } from '../../app/publishing/ports.js';
import { AppError } from '../../domain/errors.js';
import type { Manifest } from '../../domain/manifest.js';
import { jobNameFor, jobResourceName, RUNNER_NETWORK_TAG, type CloudRunExecutorOptions } from '../executor/cloudRun.js';
import { grpcCode, GRPC, transient } from './grpc.js';

type Job = protos.google.cloud.run.v2.IJob;
type CreateJobRequest = protos.google.cloud.run.v2.ICreateJobRequest;
type UpdateJobRequest = protos.google.cloud.run.v2.IUpdateJobRequest;
type GetJobRequest = protos.google.cloud.run.v2.IGetJobRequest;
type ConditionStates = typeof protos.google.cloud.run.v2.Condition.State;

/** The identities that hold Editor on a project by default: an agent must never run as one. */
const DEFAULT_IDENTITY = /-compute@developer\.gserviceaccount\.com$|@appspot\.gserviceaccount\.com$|@cloudbuild\.gserviceaccount\.com$/;
/** An image reference pinned by digest, as Cloud Run should run it (a tag can be moved). */
const PINNED_IMAGE = /^[a-z0-9][a-z0-9.\-/:_]*@sha256:[a-f0-9]{64}$/;

export const JOB_LABELS = { role: 'agent-runner' } as const;

/**
 * The Cloud Run job of one agent version (jobs.create): its image, resources, identity and
 * egress. Executions of it only override the environment and the timeout (`runJobRequest`).
 * `image` is the one the version's build pushed; seeded agents that name an image in their
 * manifest fall back to it.
 */
export function jobDefinition(options: CloudRunExecutorOptions, manifest: Manifest, image: string | undefined = manifest.runtime.image) {
  if (DEFAULT_IDENTITY.test(options.serviceAccount)) {
    throw new AppError('precondition', 'runner_identity_unsafe', `Agents run as a dedicated service account with no project roles, not ${options.serviceAccount}.`);
  }
  if (!image) throw new AppError('precondition', 'job_image_missing', `${manifest.id}@${manifest.version} has no image to deploy.`);
  if (!PINNED_IMAGE.test(image)) throw new AppError('invalid', 'job_image_unpinned', `The image of ${manifest.id}@${manifest.version} must be pinned by digest (…@sha256:<64 hex>), not ${image}.`);
  const { cpu, memoryMiB, timeoutSeconds } = manifest.resources;
  return {
    parent: `projects/${options.projectId}/locations/${options.region}`,
    jobId: jobNameFor(manifest.id, manifest.version),
    job: {
      labels: { 'agent-id': manifest.id, ...JOB_LABELS },
      template: {
        taskCount: 1,
        template: {
          containers: [{ image, resources: { limits: { cpu: String(cpu), memory: `${memoryMiB}Mi` } } }],
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
  } satisfies CreateJobRequest;
}

/**
 * The update of an existing job to a definition: the same template, and the job's own labels
 * kept (someone may have added billing or ownership labels) under ours.
 */
export function updateJobRequest(existing: Job, definition: ReturnType<typeof jobDefinition>) {
  return {
    job: {
      name: `${definition.parent}/jobs/${definition.jobId}`,
      labels: { ...(existing.labels ?? {}), ...definition.job.labels },
      template: definition.job.template,
    },
  } satisfies UpdateJobRequest;
}

/** What the platform decides of a job, in one comparable form (the service fills in much else). */
function decided(job: Job) {
  const task = job.template?.template;
  return JSON.stringify({
    taskCount: job.template?.taskCount ?? null,
    containers: (task?.containers ?? []).map((c) => ({ image: c.image ?? null, cpu: c.resources?.limits?.['cpu'] ?? null, memory: c.resources?.limits?.['memory'] ?? null })),
    timeout: String(task?.timeout?.seconds ?? ''),
    serviceAccount: task?.serviceAccount ?? null,
    maxRetries: task?.maxRetries ?? 0,
    egress: String(task?.vpcAccess?.egress ?? ''),
    networks: (task?.vpcAccess?.networkInterfaces ?? []).map((n) => ({ network: n.network ?? null, subnetwork: n.subnetwork ?? null, tags: n.tags ?? [] })),
  });
}

/** Whether a deployed job already runs this definition (then a repeated deploy changes nothing). */
export function jobMatches(existing: Job, definition: ReturnType<typeof jobDefinition>): boolean {
  const labels = existing.labels ?? {};
  return decided(existing) === decided(definition.job) && Object.entries(definition.job.labels).every(([k, v]) => labels[k] === v);
}

const CONDITION_STATE = {
  STATE_UNSPECIFIED: 0,
  CONDITION_PENDING: 1,
  CONDITION_RECONCILING: 2,
  CONDITION_FAILED: 3,
  CONDITION_SUCCEEDED: 4,
} as const satisfies { [K in keyof ConditionStates]: ConditionStates[K] };
type ConditionStateName = keyof typeof CONDITION_STATE;

/** The gRPC client answers enum names; other transports may answer numbers. */
function conditionState(value: unknown): ConditionStateName {
  if (typeof value === 'string' && value in CONDITION_STATE) return value as ConditionStateName;
  const byNumber = Object.entries(CONDITION_STATE).find(([, n]) => n === value);
  return (byNumber?.[0] as ConditionStateName | undefined) ?? 'STATE_UNSPECIFIED';
}

/** What a job's own status says about taking executions now. */
export function readinessOf(job: Job, name: string, agentId: string, version: string): JobReadiness {
  if (job.reconciling) return { ready: false, reason: `The job of ${agentId}@${version} is being updated.` };
  const condition = job.terminalCondition;
  switch (conditionState(condition?.state)) {
    case 'CONDITION_SUCCEEDED':
      return { ready: true, job: name };
    case 'CONDITION_FAILED':
      return { ready: false, reason: `The job of ${agentId}@${version} failed to deploy: ${condition?.message || 'Cloud Run gave no reason'}.` };
    case 'CONDITION_PENDING':
    case 'CONDITION_RECONCILING':
      return { ready: false, reason: `The job of ${agentId}@${version} is being updated.` };
    case 'STATE_UNSPECIFIED':
      return { ready: false, reason: `The job of ${agentId}@${version} reports no state yet.` };
  }
}

/** A long-running operation of the client: `promise()` resolves when the change is done. */
interface Operation {
  promise(): Promise<unknown>;
}

/** The part of the Cloud Run jobs client the deployer uses (the real client satisfies it). */
export interface JobsApi {
  getJob(request: GetJobRequest): Promise<[Job, ...unknown[]]>;
  createJob(request: CreateJobRequest): Promise<[Operation, ...unknown[]]>;
  updateJob(request: UpdateJobRequest): Promise<[Operation, ...unknown[]]>;
}

function mapError(err: unknown): unknown {
  return transient(err) ? new AppError('unavailable', 'cloud_run_unavailable', 'Cloud Run is unavailable; retry shortly.', { retryAfterSeconds: 10 }) : err;
}

async function getJob(client: JobsApi, name: string): Promise<Job | null> {
  try {
    const [job] = await client.getJob({ name });
    return job;
  } catch (err) {
    if (grpcCode(err) === GRPC.NOT_FOUND) return null;
    throw mapError(err);
  }
}

/**
 * Creates the version's job, or updates it to this image and the manifest's resources, and
 * waits for the operation. A repeat with nothing to change does nothing; a create that lost a
 * race with another (ALREADY_EXISTS) becomes an update.
 */
export async function deployJob(client: JobsApi, options: CloudRunExecutorOptions, manifest: Manifest, image: string): Promise<{ job: string }> {
  const definition = jobDefinition(options, manifest, image);
  const name = jobResourceName(options, manifest.id, manifest.version);
  try {
    let existing = await getJob(client, name);
    if (!existing) {
      try {
        const [created] = await client.createJob(definition);
        await created.promise();
        return { job: name };
      } catch (err) {
        if (grpcCode(err) !== GRPC.ALREADY_EXISTS) throw err;
        existing = await getJob(client, name);
        if (!existing) throw err;
      }
    }
    if (!jobMatches(existing, definition)) {
      const [updated] = await client.updateJob(updateJobRequest(existing, definition));
      await updated.promise();
    }
    return { job: name };
  } catch (err) {
    throw mapError(err);
  }
}

/** Whether a version's job can take executions: it exists and its last change succeeded. */
export async function jobReadiness(client: JobsApi, options: CloudRunExecutorOptions, agentId: string, version: string): Promise<JobReadiness> {
  const name = jobResourceName(options, agentId, version);
  const job = await getJob(client, name);
  if (!job) return { ready: false, reason: `No job deployed for ${agentId}@${version}.` };
  return readinessOf(job, name, agentId, version);
}
