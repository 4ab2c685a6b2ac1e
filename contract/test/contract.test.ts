import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  buildOpenApi,
  endpoints,
  executionEnv,
  ExecutionEnvError,
  fillPath,
  parseExecutionEnv,
  pathParams,
  PLATFORM_ENV_NAMES,
  routes,
  type Endpoint,
} from '../src/index.ts';

const all = Object.values(endpoints) as Endpoint[];

describe('the contract', () => {
  it('defines every route of the table exactly once, where the table says', () => {
    expect(Object.keys(endpoints).sort()).toEqual(Object.keys(routes).sort());
    for (const e of all) {
      const line = routes[e.operationId];
      expect({ method: e.method, path: e.path, idempotent: e.idempotent }).toEqual({ method: line.method, path: line.path, idempotent: (line as { idempotent?: true }).idempotent });
    }
  });

  it("names each path parameter in the operation's params schema, and nothing else", () => {
    for (const e of all) {
      const declared = e.params instanceof z.ZodObject ? Object.keys(e.params.shape).sort() : [];
      expect(declared, e.operationId).toEqual(pathParams(e.path).sort());
    }
  });

  it('puts a body only on methods that carry one, and an Idempotency-Key only on POSTs', () => {
    for (const e of all) {
      if (e.body) expect(['POST', 'PUT', 'PATCH'], e.operationId).toContain(e.method);
      if (e.idempotent) expect(e.method, e.operationId).toBe('POST');
    }
  });

  it('fills paths with encoded values and custom methods', () => {
    expect(fillPath(routes.cancelRun.path, { wsId: 'w/1', runId: 'r1' })).toBe('/v1/workspaces/w%2F1/runs/r1:cancel');
    expect(pathParams(routes.cancelRun.path)).toEqual(['wsId', 'runId']);
    expect(() => fillPath(routes.getRun.path, { wsId: 'w1' })).toThrow(/runId/);
  });

  it('generates an OpenAPI 3.1 document whose every reference resolves', () => {
    const doc = buildOpenApi(all, '0.0.0') as { paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, unknown> } };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ops.sort()).toEqual(Object.keys(routes).sort());
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect(doc.components.schemas, ref).toHaveProperty(ref);
  });

  it('imports nothing but zod and its own modules', () => {
    const src = path.join(import.meta.dirname, '..', 'src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      const text = readFileSync(path.join(src, file), 'utf8');
      for (const [, spec] of text.matchAll(/\bfrom\s+'([^']+)'/g)) expect(spec === 'zod' || /^\.{1,2}\//.test(spec!), `${file} imports ${spec}`).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(path.join(src, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toEqual(['zod']);
  });
});

describe('the execution environment', () => {
  const facts = {
    runId: 'run1',
    attempt: 2,
    agentId: 'idle-vm-reaper',
    agentVersion: '1.2.0',
    runnerApiUrl: 'https://api.example.com/v1/runner',
    bootstrapToken: 'rb_0123456789abcdef',
    heartbeatSeconds: 15,
    timeoutSeconds: 900,
  };

  it('is built as strings and parsed back to what it says', () => {
    const env = executionEnv(facts);
    expect(Object.keys(env).sort()).toEqual([...PLATFORM_ENV_NAMES].sort());
    expect(parseExecutionEnv({ ...env, AGENT_ENTRY: '/app/agent/src/index.ts', HOME: '/ignored' })).toMatchObject({
      RUN_ID: 'run1',
      RUN_ATTEMPT: 2,
      RUNNER_HEARTBEAT_SECONDS: 15,
      RUN_TIMEOUT_SECONDS: 900,
      CLOUD_PROVIDER: 'none',
    });
  });

  it('names every variable that is missing or wrong', () => {
    const env: Record<string, string | undefined> = { ...executionEnv(facts), AGENT_ENTRY: '/a.js' };
    delete env['AGENT_ID'];
    env['RUN_ATTEMPT'] = 'two';
    env['RUNNER_API_URL'] = 'https://api.example.com/v1';
    const err = (() => {
      try {
        parseExecutionEnv(env);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ExecutionEnvError);
    const problems = Object.fromEntries((err as ExecutionEnvError).problems.map((p) => [p.name, p.message]));
    expect(problems['AGENT_ID']).toBe('missing');
    expect(problems['RUN_ATTEMPT']).toMatch(/whole number/);
    expect(problems['RUNNER_API_URL']).toMatch(/\/v1\/runner/);
    expect((err as Error).message).toMatch(/AGENT_ID: missing/);
  });

  it('refuses to build an environment the runner would refuse', () => {
    expect(() => executionEnv({ ...facts, runnerApiUrl: 'not a url' })).toThrow();
  });
});
