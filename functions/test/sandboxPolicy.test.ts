import { mergeAttributes, sandboxEffect, sandboxView } from '@agent-marketplace/contract/sandbox';
import { describe, expect, it } from 'vitest';
import { applySandboxAction, checkSandboxAction, checkSandboxRead } from '../src/domain/sandboxPolicy.ts';
import { checkUsage, maxUnitsPerRun } from '../src/domain/usageBound.ts';
import { AppError } from '../src/domain/errors.ts';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';

const manifest = {
  id: 'tagger',
  permissions: [
    { scope: 'vm.list', risk: 'low', reason: 'r' },
    { scope: 'vm.label', risk: 'low', reason: 'r' },
    { scope: 'vm.stop', risk: 'high', reason: 'r' },
    { scope: 'bucket.get', risk: 'low', reason: 'r' },
    { scope: 'bucket.update', risk: 'high', reason: 'r' },
  ],
  approvals: [{ action: 'vm.stop', risk: 'high', levels: 1, description: 'd' }],
} as unknown as Parameters<typeof checkSandboxAction>[0];

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof AppError ? `${err.kind}:${err.code}` : String(err);
  }
};

describe('sandbox actions: effects are computed from the verb, never taken from the caller', () => {
  it('each verb has one effect on the recorded changes', () => {
    expect(sandboxEffect({}, 'stop', {})).toEqual({ state: 'stopped' });
    expect(sandboxEffect({ state: 'stopped' }, 'start', {})).toEqual({ state: 'running' });
    expect(sandboxEffect({ labels: { a: '1' } }, 'delete', {})).toEqual({ labels: { a: '1' }, deleted: true, state: 'deleted' });
    expect(sandboxEffect({ labels: { a: '1' } }, 'label', { labels: { b: '2' } })).toEqual({ labels: { a: '1', b: '2' } });
    expect(sandboxEffect({}, 'update', { attributes: { publicAccessPrevention: 'enforced' } })).toEqual({ attributes: { publicAccessPrevention: 'enforced' } });
  });

  it('parameters the verb does not take are refused before any permission is consulted', () => {
    const act = (verb: string, params: Record<string, unknown>, kind = 'vm') => codeOf(() => checkSandboxAction(manifest, { kind, verb: verb as never, resourceId: 'x', params }));
    expect(act('label', { labels: { env: 'dev' } })).toBeNull();
    expect(act('label', { labels: { env: 'dev' }, deleted: true })).toBe('invalid:cloud_action_params_invalid');
    expect(act('label', { labels: { Env: 'dev' } })).toBe('invalid:cloud_action_params_invalid');
    expect(act('label', { labels: { env: 'Dev' } })).toBe('invalid:cloud_action_params_invalid');
    expect(act('stop', { state: 'deleted' })).toBe('invalid:cloud_action_params_invalid');
    expect(act('update', { attributes: { deleted: true } })).toBe('invalid:cloud_action_unsupported');
    expect(act('update', { attributes: { iamBindings: [{ role: 'r', members: ['allUsers'] }], owner: 'me' } }, 'bucket')).toBe('invalid:cloud_action_params_invalid');
    expect(act('update', { attributes: { publicAccessPrevention: 'enforced' } }, 'bucket')).toBeNull();
    expect(act('delete', {})).toBe('forbidden:cloud_permission_denied');
    // A gated action passes the checks; its gate says a person decides it first.
    expect(act('stop', {})).toBeNull();
    expect(checkSandboxAction(manifest, { kind: 'vm', verb: 'stop', resourceId: 'x', params: {} }).gate).toMatchObject({ action: 'vm.stop' });
    expect(checkSandboxAction(manifest, { kind: 'vm', verb: 'label', resourceId: 'x', params: { labels: { env: 'dev' } } }).gate).toBeNull();
  });

  it('reads need kind.list or kind.get for every kind read', () => {
    expect(codeOf(() => checkSandboxRead(manifest, ['vm/a', 'bucket/b']))).toBeNull();
    expect(codeOf(() => checkSandboxRead(manifest, ['vm/a', 'disk/b']))).toBe('forbidden:cloud_permission_denied');
    expect(codeOf(() => checkSandboxRead(manifest, ['k8s.workload/ns/x']))).toBe('forbidden:cloud_permission_denied');
  });

  it('a repeated action changes nothing; a deleted resource takes no action', () => {
    const first = applySandboxAction(null, { kind: 'vm', verb: 'label', resourceId: 'a' }, { labels: { env: 'dev' } });
    expect(first).toEqual({ override: { labels: { env: 'dev' } }, changed: true });
    expect(applySandboxAction(first.override, { kind: 'vm', verb: 'label', resourceId: 'a' }, { labels: { env: 'dev' } }).changed).toBe(false);
    expect(codeOf(() => applySandboxAction({ deleted: true }, { kind: 'vm', verb: 'start', resourceId: 'a' }, {}))).toBe('not_found:cloud_resource_not_found');
  });

  it('attributes merge over the fixture; lists of named items merge by name', () => {
    const base = { replicas: 6, containers: [{ name: 'api', requests: { cpuMillicores: 1000 }, usage: { p95: 180 } }, { name: 'proxy', requests: { cpuMillicores: 100 } }] };
    expect(mergeAttributes(base, { containers: [{ name: 'api', requests: { cpuMillicores: 225 } }] })).toEqual({
      replicas: 6,
      containers: [{ name: 'api', requests: { cpuMillicores: 225 }, usage: { p95: 180 } }, { name: 'proxy', requests: { cpuMillicores: 100 } }],
    });
    const vm = { state: 'running', labels: { owner: 'x' }, attributes: { size: 1 } };
    expect(sandboxView(vm, { labels: { env: 'dev' } })).toEqual({ state: 'running', labels: { owner: 'x', env: 'dev' }, attributes: { size: 1 } });
    expect(sandboxView(vm, { deleted: true })).toBeNull();
  });
});

describe('usage units are bounded per run by the manifest', () => {
  it('the pricing bound, or the default for versions that predate it', () => {
    expect(maxUnitsPerRun({ maxUnitsPerRun: 50 })).toBe(50);
    expect(maxUnitsPerRun(undefined)).toBe(1000);
    expect(checkUsage({ maxUnitsPerRun: 50 }, 40, 10)).toBeNull();
    const over = checkUsage({ maxUnitsPerRun: 50 }, 40, 10.5)!;
    expect({ kind: over.kind, code: over.code }).toEqual({ kind: 'unprocessable', code: 'usage_limit_exceeded' });
  });

  it('the manifest declares the bound (a positive number, 1000 by default)', () => {
    const yaml = (pricing: string) => `
id: meter
name: Meter
version: 1.0.0
publisher: acme
summary: Counts things for a test.
categories: [finops]
runtime:
  local:
    entry: src/index.js
pricing:
${pricing}
license: MIT
support:
  email: dev@example.test
`;
    expect(parseManifest(yaml('  model: per_unit\n  amountCents: 2\n  unit: item')).pricing.maxUnitsPerRun).toBe(1000);
    expect(parseManifest(yaml('  model: per_unit\n  amountCents: 2\n  unit: item\n  maxUnitsPerRun: 250')).pricing.maxUnitsPerRun).toBe(250);
    expect(() => parseManifest(yaml('  model: per_unit\n  amountCents: 2\n  unit: item\n  maxUnitsPerRun: 0'))).toThrow();
  });
});
