import { describe, expect, it } from 'vitest';
import { AppError } from '../src/domain/errors.ts';
import { canAssignRole, permissionsOf, roleGrants, Role } from '../src/domain/roles.ts';
import { canTransition, isTerminal, RunState, transition } from '../src/domain/runState.ts';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';
import { formatCredential, matchesHash, parseCredential, sha256 } from '../src/app/shared/credentials.ts';

describe('run state machine', () => {
  it('follows queued → dispatching → starting → running ⇄ awaiting_approval → terminal', () => {
    const path = ['queued', 'dispatching', 'starting', 'running', 'awaiting_approval', 'running', 'succeeded'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('terminal states go nowhere, and skipping dispatch is refused', () => {
    for (const t of ['succeeded', 'failed', 'canceled', 'timed_out'] as const) {
      expect(isTerminal(t)).toBe(true);
      for (const to of RunState.options) expect(canTransition(t, to)).toBe(false);
    }
    expect(() => transition('queued', 'running', 'x')).toThrow(AppError);
    expect(() => transition('succeeded', 'failed', 'x')).toThrow(/cannot go from succeeded to failed/);
    expect(transition('running', 'succeeded', 'done')).toEqual({ from: 'running', to: 'succeeded', reason: 'done' });
  });
});

describe('roles', () => {
  it('grant what the role names', () => {
    expect(roleGrants('viewer', 'runs.read')).toBe(true);
    expect(roleGrants('viewer', 'runs.trigger')).toBe(false);
    expect(roleGrants('operator', 'runs.trigger')).toBe(true);
    expect(roleGrants('operator', 'installs.manage')).toBe(false);
    expect(roleGrants('approver', 'approvals.decide')).toBe(true);
    expect(roleGrants('billing', 'billing.manage')).toBe(true);
    expect(roleGrants('billing', 'runs.read')).toBe(false);
    expect(roleGrants('admin', 'billing.manage')).toBe(false);
    expect(permissionsOf('owner').length).toBeGreaterThan(permissionsOf('admin').length);
  });

  it('nobody hands out more than they hold', () => {
    for (const r of Role.options) expect(canAssignRole('owner', r)).toBe(true);
    expect(canAssignRole('admin', 'owner')).toBe(false);
    expect(canAssignRole('admin', 'operator')).toBe(true);
    for (const r of Role.options) expect(canAssignRole('viewer', r)).toBe(false);
  });
});

describe('credentials', () => {
  it('round-trip and reject malformed ones', () => {
    const token = formatCredential('amk', 'ws1', 'key1', 'x'.repeat(43));
    expect(parseCredential('amk', token)).toEqual({ wsId: 'ws1', id: 'key1', secret: 'x'.repeat(43) });
    expect(parseCredential('rt', token)).toBeNull();
    expect(parseCredential('amk', 'amk_ws1_key1_short')).toBeNull();
    expect(parseCredential('amk', 'amk__key1_' + 'x'.repeat(43))).toBeNull();
    expect(parseCredential('amk', 'amk_ws/1_key1_' + 'x'.repeat(43))).toBeNull();
  });

  it('compare secrets with their hash', () => {
    expect(matchesHash('s3cret', sha256('s3cret'))).toBe(true);
    expect(matchesHash('s3cret!', sha256('s3cret'))).toBe(false);
    expect(matchesHash('s3cret', 'not-hex')).toBe(false);
  });
});

describe('agent manifest', () => {
  const valid = `
id: demo-agent
name: Demo Agent
version: 1.2.3
publisher: acme
summary: Does a demo thing for testing.
categories: [finops]
runtime:
  local:
    entry: src/index.ts
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`;
  it('parses a valid agent.yaml with defaults', () => {
    const m = parseManifest(valid);
    expect(m.resources).toEqual({ cpu: 1, memoryMiB: 512, timeoutSeconds: 900 });
    expect(m.tags).toEqual([]);
  });

  it('reports every problem at its path', () => {
    try {
      parseManifest(valid.replace('1.2.3', '1.2').replace('demo-agent', 'Demo Agent'));
      expect.unreachable();
    } catch (err) {
      const e = err as AppError;
      expect(e.code).toBe('manifest_invalid');
      expect(e.issues?.map((i) => i.path).sort()).toEqual(['id', 'version']);
    }
  });

  it('refuses malformed YAML, unknown fields and images without a digest', () => {
    expect(() => parseManifest('id: [unclosed')).toThrow(expect.objectContaining({ code: 'manifest_yaml_invalid' }));
    expect(() => parseManifest(`${valid}\nsurprise: true\n`)).toThrow(expect.objectContaining({ code: 'manifest_invalid' }));
    expect(() => parseManifest(valid.replace('  local:', '  image: gcr.io/acme/demo:latest\n  local:'))).toThrow(
      expect.objectContaining({ code: 'manifest_invalid' }),
    );
  });
});
