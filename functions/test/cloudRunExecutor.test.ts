import { executionEnv } from '@agent-marketplace/contract';
import { describe, expect, it } from 'vitest';
import { CloudRunJobExecutor, jobNameFor, runJobRequest, type RunJobsClient } from '../src/adapters/executor/cloudRun.ts';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';
import { AppError } from '../src/domain/errors.ts';

const manifest = parseManifest(`
id: cost-anomaly-detector
name: Cost Anomaly Detector
version: 1.0.0
publisher: acme
summary: Finds unusual spend in billing data.
categories: [finops]
runtime:
  image: us-docker.pkg.dev/acme/agents/cost@sha256:${'a'.repeat(64)}
  local:
    entry: src/index.ts
resources:
  timeoutSeconds: 300
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`);

const OPTIONS = { projectId: 'acme-prod', region: 'europe-west1', serviceAccount: 'agent-runner@acme-prod.iam.gserviceaccount.com', egress: { network: 'agents', subnetwork: 'agents-egress' } };

describe('Cloud Run executor request shape', () => {
  it('names one job per agent version within Cloud Run limits', () => {
    expect(jobNameFor('cost-anomaly-detector', '1.0.0')).toBe('agent-cost-anomaly-detector-v1-0-0');
    expect(jobNameFor('a'.repeat(60), '10.20.30-beta.1').length).toBeLessThanOrEqual(63);
  });

  it('keeps two long versions on two jobs: a cut name ends in a hash of the whole', () => {
    const a = jobNameFor('a'.repeat(50), '10.20.30-beta.1');
    const b = jobNameFor('a'.repeat(50), '10.20.30-beta.2');
    expect(a).not.toBe(b);
    for (const name of [a, b]) expect(name).toMatch(/^[a-z][a-z0-9-]{0,61}[a-z0-9]$/);
  });

  it('runs the job with the runner contract as env overrides and the manifest timeout', () => {
    const req = runJobRequest(
      OPTIONS,
      {
        wsId: 'ws1', runId: 'run1', attempt: 2, agentId: 'cost-anomaly-detector', agentVersion: '1.0.0', manifest,
        env: executionEnv({ runId: 'run1', attempt: 2, agentId: 'cost-anomaly-detector', agentVersion: '1.0.0', runnerApiUrl: 'https://api.example/v1/runner', bootstrapToken: 'rb_x_0123456789abcdef', heartbeatSeconds: 15, timeoutSeconds: 300 }),
      },
    );
    expect(req).toEqual({
      name: 'projects/acme-prod/locations/europe-west1/jobs/agent-cost-anomaly-detector-v1-0-0',
      overrides: {
        taskCount: 1,
        timeout: { seconds: 360 },
        containerOverrides: [
          {
            env: [
              { name: 'RUN_ID', value: 'run1' },
              { name: 'RUN_ATTEMPT', value: '2' },
              { name: 'AGENT_ID', value: 'cost-anomaly-detector' },
              { name: 'AGENT_VERSION', value: '1.0.0' },
              { name: 'RUNNER_API_URL', value: 'https://api.example/v1/runner' },
              { name: 'RUNNER_BOOTSTRAP_TOKEN', value: 'rb_x_0123456789abcdef' },
              { name: 'RUNNER_HEARTBEAT_SECONDS', value: '15' },
              { name: 'RUN_TIMEOUT_SECONDS', value: '300' },
            ],
          },
        ],
      },
    });
  });

  it('carries no session token: only the one-time bootstrap token is in the execution metadata', () => {
    const req = runJobRequest(OPTIONS, {
      wsId: 'ws1', runId: 'run1', attempt: 1, agentId: 'cost-anomaly-detector', agentVersion: '1.0.0', manifest,
      env: executionEnv({ runId: 'run1', attempt: 1, agentId: 'cost-anomaly-detector', agentVersion: '1.0.0', runnerApiUrl: 'https://api.example/v1/runner', bootstrapToken: 'rb_ws1_run1_0123456789abcdefghij', heartbeatSeconds: 15, timeoutSeconds: 300 }),
    });
    const env = req.overrides.containerOverrides.flatMap((c) => c.env);
    expect(env.map((e) => e.name)).not.toContain('RUNNER_TOKEN');
    expect(env.filter((e) => e.value.startsWith('rt_'))).toEqual([]);
    expect(JSON.stringify(req)).not.toMatch(/"rt_/);
  });
});

const specFor = (attempt = 1) => ({
  wsId: 'ws1', runId: 'run1', attempt, agentId: 'cost-anomaly-detector', agentVersion: '1.0.0', manifest,
  env: executionEnv({ runId: 'run1', attempt, agentId: 'cost-anomaly-detector', agentVersion: '1.0.0', runnerApiUrl: 'https://api.example/v1/runner', bootstrapToken: 'rb_x_0123456789abcdef', heartbeatSeconds: 15, timeoutSeconds: 300 }),
});

/** Cloud Run's jobs client as the library answers (not our adapter): records every call made to it, creating jobs included. */
function fakeJobs(answer: () => Promise<unknown>) {
  const calls: string[] = [];
  const client = {
    runJob: async () => {
      calls.push('runJob');
      return answer() as ReturnType<RunJobsClient['runJob']>;
    },
    createJob: async () => {
      calls.push('createJob');
      return [{ promise: async () => [] }];
    },
    getJob: async () => {
      calls.push('getJob');
      return [{}];
    },
  };
  return { client, calls };
}

describe('Cloud Run executor start', () => {
  it('runs the version\'s job and answers the execution name', async () => {
    const { client, calls } = fakeJobs(async () => [{ name: 'operations/1', metadata: { name: 'projects/acme-prod/locations/europe-west1/jobs/j/executions/e1' } }]);
    const executor = new CloudRunJobExecutor(OPTIONS, { jobs: client });
    expect(await executor.start(specFor())).toEqual({ executionId: 'projects/acme-prod/locations/europe-west1/jobs/j/executions/e1' });
    expect(calls).toEqual(['runJob']);
  });

  it('fails fast with job_not_ready when the version has no job, and creates none', async () => {
    const { client, calls } = fakeJobs(async () => {
      throw Object.assign(new Error('5 NOT_FOUND: Resource not found'), { code: 5 });
    });
    const err = await new CloudRunJobExecutor(OPTIONS, { jobs: client }).start(specFor()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ kind: 'precondition', code: 'job_not_ready' });
    expect((err as Error).message).toMatch(/cost-anomaly-detector@1\.0\.0 has no deployed job/);
    expect(calls).toEqual(['runJob']);
  });

  it('says the job is not ready when Cloud Run refuses it (FAILED_PRECONDITION), and lets other failures through', async () => {
    const refused = fakeJobs(async () => {
      throw Object.assign(new Error('9 FAILED_PRECONDITION: Job is not ready'), { code: 9 });
    });
    await expect(new CloudRunJobExecutor(OPTIONS, { jobs: refused.client }).start(specFor())).rejects.toMatchObject({ code: 'job_not_ready', message: expect.stringMatching(/not ready/) });
    const denied = fakeJobs(async () => {
      throw Object.assign(new Error('7 PERMISSION_DENIED'), { code: 7 });
    });
    await expect(new CloudRunJobExecutor(OPTIONS, { jobs: denied.client }).start(specFor())).rejects.toMatchObject({ code: 7 });
    expect(denied.calls).toEqual(['runJob']);
  });
});
