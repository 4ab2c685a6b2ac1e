import { executionEnv } from '@agent-marketplace/contract';
import { describe, expect, it } from 'vitest';
import { jobDefinition, jobNameFor, runJobRequest } from '../src/adapters/executor/cloudRun.ts';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';

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

  it('defines each job to run as the dedicated runner service account with all egress through the VPC', () => {
    const job = jobDefinition(OPTIONS, manifest);
    expect(job.parent).toBe('projects/acme-prod/locations/europe-west1');
    expect(job.jobId).toBe('agent-cost-anomaly-detector-v1-0-0');
    const task = job.job.template.template;
    expect(task.serviceAccount).toBe('agent-runner@acme-prod.iam.gserviceaccount.com');
    expect(task.vpcAccess).toEqual({ egress: 'ALL_TRAFFIC', networkInterfaces: [{ network: 'agents', subnetwork: 'agents-egress', tags: ['agent-runner'] }] });
    // The platform retries attempts itself, each with a fresh bootstrap token: Cloud Run must not re-run a task with a spent one.
    expect(task.maxRetries).toBe(0);
    expect(task.containers[0]!.image).toBe(manifest.runtime.image);
    expect(task.containers[0]!.resources.limits).toEqual({ cpu: '1', memory: '512Mi' });
  });

  it('refuses to run as a default service account', () => {
    expect(() => jobDefinition({ ...OPTIONS, serviceAccount: '123456-compute@developer.gserviceaccount.com' }, manifest)).toThrow(/dedicated service account/);
  });
});
