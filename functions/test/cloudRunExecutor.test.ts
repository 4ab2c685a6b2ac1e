import { executionEnv } from '@agent-marketplace/contract';
import { describe, expect, it } from 'vitest';
import { jobNameFor, runJobRequest } from '../src/adapters/executor/cloudRun.ts';
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

describe('Cloud Run executor request shape', () => {
  it('names one job per agent version within Cloud Run limits', () => {
    expect(jobNameFor('cost-anomaly-detector', '1.0.0')).toBe('agent-cost-anomaly-detector-v1-0-0');
    expect(jobNameFor('a'.repeat(60), '10.20.30-beta.1').length).toBeLessThanOrEqual(63);
  });

  it('runs the job with the runner contract as env overrides and the manifest timeout', () => {
    const req = runJobRequest(
      { projectId: 'acme-prod', region: 'europe-west1' },
      {
        wsId: 'ws1', runId: 'run1', attempt: 2, agentId: 'cost-anomaly-detector', agentVersion: '1.0.0', manifest,
        env: executionEnv({ runId: 'run1', attempt: 2, agentId: 'cost-anomaly-detector', agentVersion: '1.0.0', runnerApiUrl: 'https://api.example/v1/runner', runnerToken: 'rt_x_0123456789abcdef', heartbeatSeconds: 15, timeoutSeconds: 300 }),
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
              { name: 'RUNNER_TOKEN', value: 'rt_x_0123456789abcdef' },
              { name: 'RUNNER_HEARTBEAT_SECONDS', value: '15' },
              { name: 'RUN_TIMEOUT_SECONDS', value: '300' },
            ],
          },
        ],
      },
    });
  });
});
