import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { grantFor, narrowestOauthScopes, SCOPE_TABLE, scopeEntry } from '../src/domain/cloud/scopeTable.ts';

/** The one scope table (domain/cloud/scopeTable.ts), checked against what the ten agents declare. */
const agentsDir = path.resolve(import.meta.dirname, '../../agents');
const manifests = readdirSync(agentsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => parse(readFileSync(path.join(agentsDir, d.name, 'agent.yaml'), 'utf8')) as { id: string; permissions: { scope: string }[] });
const used = [...new Set(manifests.flatMap((m) => m.permissions.map((p) => p.scope)))].sort();
/** Reads that must start something to read: a BigQuery query job, an access-advisor report. They change no resource. */
const READS_THAT_START_A_JOB = new Set(['bigquery.jobs.create', 'iam:GenerateServiceLastAccessedDetails']);
const WRITE_WORDS = /\.(set|update|delete|stop|start|create|patch)|:(Put|Delete|Stop|Start|Create|Tag|Add|Terminate|Update|Modify)/;

describe('the scope table', () => {
  it('covers every scope the ten agents declare, on both providers, or says why not', () => {
    expect(manifests).toHaveLength(10);
    expect(used.length).toBeGreaterThan(15);
    for (const scope of used) {
      const entry = scopeEntry(scope);
      expect(entry, scope).not.toBeNull();
      expect(entry!.aws, `${scope} on AWS`).not.toBeNull();
      if (!entry!.gcp) expect(entry!.unsupportedReason?.gcp, `${scope}: why not on GCP`).toMatch(/\w{10,}/);
    }
  });

  it('names permissions as the providers do, and a read scope asks for nothing that changes anything', () => {
    for (const e of SCOPE_TABLE) {
      for (const p of e.gcp?.permissions ?? []) expect(p, e.scope).toMatch(/^[a-z]+(\.[a-zA-Z]+){2,}$/);
      for (const a of e.aws?.permissions ?? []) expect(a, e.scope).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z]+$/);
      expect(e.scope.endsWith('.list') || e.scope.endsWith('.get') || e.scope.endsWith('.read')).toBe(e.access === 'read');
      if (e.access === 'read') {
        for (const p of [...(e.gcp?.permissions ?? []), ...(e.aws?.permissions ?? [])]) if (!READS_THAT_START_A_JOB.has(p)) expect(p, e.scope).not.toMatch(WRITE_WORDS);
        for (const o of e.gcp?.oauthScopes ?? []) expect(o, e.scope).toMatch(/read|bigquery$/);
      }
      // A write scope's grant includes what it changes.
      if (e.access === 'write') expect([...(e.gcp?.permissions ?? e.aws!.permissions)].some((p) => WRITE_WORDS.test(p)), e.scope).toBe(true);
    }
  });

  it("gives a run's token the narrowest OAuth scopes: a write scope covers its read-only sibling", () => {
    expect(grantFor('gcp', ['vm.list']).oauthScopes).toEqual(['https://www.googleapis.com/auth/compute.readonly', 'https://www.googleapis.com/auth/monitoring.read']);
    expect(grantFor('gcp', ['vm.list', 'vm.stop']).oauthScopes).toEqual(['https://www.googleapis.com/auth/compute', 'https://www.googleapis.com/auth/monitoring.read']);
    expect(narrowestOauthScopes(['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/compute'])).toEqual(['https://www.googleapis.com/auth/cloud-platform']);
  });

  it('answers a set of scopes with each permission once, per scope, and what the provider cannot back', () => {
    const g = grantFor('gcp', ['vm.list', 'vm.stop', 'budget.list', 'made.up', 'vm.list']);
    expect(g.permissions).toEqual(['compute.instances.get', 'compute.instances.list', 'compute.instances.stop', 'monitoring.timeSeries.list']);
    expect(g.unsupported).toEqual(['budget.list', 'made.up']);
    expect(g.perScope.map((s) => s.scope)).toEqual(['vm.list', 'vm.stop']);
    expect(grantFor('aws', ['budget.list']).permissions).toEqual(['budgets:ViewBudget']);
    expect(grantFor('aws', []).permissions).toEqual([]);
  });
});
