import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { grantFor, narrowestOauthScopes, OAUTH, READ_ONLY_OAUTH, SCOPE_TABLE, scopeEntry, unsupportedReason } from '../src/domain/cloud/scopeTable.ts';

/**
 * The scope table (issue 24, "One scope table"): every scope the ten agents declare is backed on
 * both providers or explicitly unsupported with a reason, names are well-formed, reads only read,
 * and OAuth scopes are the narrowest.
 */

const agentsDir = path.resolve(import.meta.dirname, '..', '..', 'agents');
const agents = readdirSync(agentsDir).filter((d) => existsSync(path.join(agentsDir, d, 'agent.yaml')));
const manifestScopes = (dir: string): string[] =>
  (parse(readFileSync(path.join(agentsDir, dir, 'agent.yaml'), 'utf8')) as { permissions: { scope: string }[] }).permissions.map((p) => p.scope);
const allScopes = [...new Set(agents.flatMap(manifestScopes))].sort();

/** GCP read permissions end in a read verb; running a BigQuery query job is how BigQuery reads. */
const GCP_READ_VERBS = new Set(['list', 'get', 'getIamPolicy', 'getData']);
const GCP_READ_EXCEPTIONS = new Set(['bigquery.jobs.create']);
/** AWS access levels List and Read; GenerateServiceLastAccessedDetails is Read (it starts a report job). */
const AWS_READ_VERB = /^(Describe|Get|List|Filter|View)[A-Z]/;
const AWS_READ_EXCEPTIONS = new Set(['iam:GenerateServiceLastAccessedDetails']);
/** Verbs that change something: the last segment of a GCP permission, the start of an AWS action's name. */
const GCP_WRITE_VERB = /^(set|update|delete|stop|start|create|use)/;
const AWS_WRITE_VERB = /^(Put|Delete|Stop|Start|Create|Terminate|Modify|Add|Attach|Detach|Update|Set|Remove|Tag|Untag)/;

describe('the scope table', () => {
  it('finds the ten agents and the scopes they declare', () => {
    expect(agents).toHaveLength(10);
    expect(allScopes).toEqual(
      expect.arrayContaining(['vm.list', 'vm.stop', 'vm.label', 'bucket.update', 'billing.read', 'iam.usage.read', 'k8s.workload.update', 'snapshot.delete', 'budget.label']),
    );
    expect(allScopes).toHaveLength(21);
  });

  it.each(allScopes)('%s is backed on both providers, or unsupported on one with a reason', (scope) => {
    const e = scopeEntry(scope);
    expect(e, `${scope} is not in the scope table`).not.toBeNull();
    for (const provider of ['gcp', 'aws'] as const) {
      if (e![provider]) {
        const names = provider === 'gcp' ? e!.gcp!.permissions : e!.aws!.actions;
        expect(names.length).toBeGreaterThan(0);
        expect(e![provider]!.describe.length).toBeGreaterThan(10);
        expect(unsupportedReason(provider, scope)).toBeNull();
      } else {
        expect(e!.unsupportedBecause?.[provider], `${scope} on ${provider} is null without a reason`).toMatch(/\w{3,}.*\w{3,}/);
      }
    }
    // At least one provider backs every scope an agent declares.
    expect(e!.gcp ?? e!.aws).not.toBeNull();
  });

  it('has one entry per scope, with kind and verb taken from the scope', () => {
    const seen = new Set<string>();
    for (const e of SCOPE_TABLE) {
      expect(seen.has(e.scope), `${e.scope} twice`).toBe(false);
      seen.add(e.scope);
      expect(`${e.kind}.${e.verb}`).toBe(e.scope);
      expect(e.access).toBe(['list', 'get', 'read'].includes(e.verb) ? 'read' : 'write');
    }
  });

  it('covers the obvious siblings: <kind>.get for each listable kind, and start/delete', () => {
    const listable = SCOPE_TABLE.filter((e) => e.verb === 'list').map((e) => e.kind);
    for (const kind of listable) if (kind !== 'iam.binding') expect(scopeEntry(`${kind}.get`), `${kind}.get`).not.toBeNull();
    for (const s of ['vm.start', 'vm.delete', 'disk.delete', 'bucket.delete', 'metrics.read']) expect(scopeEntry(s), s).not.toBeNull();
  });

  it('names GCP permissions service.resource.verb and AWS actions service:Action', () => {
    for (const e of SCOPE_TABLE) {
      for (const p of e.gcp?.permissions ?? []) expect(p, e.scope).toMatch(/^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/);
      for (const a of e.aws?.actions ?? []) expect(a, e.scope).toMatch(/^[a-z][a-z0-9-]*:[A-Z][A-Za-z0-9]*$/);
      for (const o of e.gcp?.oauthScopes ?? []) expect(o, e.scope).toMatch(/^https:\/\/www\.googleapis\.com\/auth\/[a-z._-]+$/);
    }
  });

  it.each(SCOPE_TABLE.filter((e) => e.access === 'read').map((e) => e.scope))('read scope %s carries only read permissions', (scope) => {
    const e = scopeEntry(scope)!;
    for (const p of e.gcp?.permissions ?? []) {
      if (GCP_READ_EXCEPTIONS.has(p)) continue;
      expect(GCP_READ_VERBS.has(p.split('.').at(-1)!), `${scope}: ${p}`).toBe(true);
      expect(p.split('.').at(-1), `${scope}: ${p}`).not.toMatch(GCP_WRITE_VERB);
    }
    for (const a of e.aws?.actions ?? []) {
      if (AWS_READ_EXCEPTIONS.has(a)) continue;
      expect(a.split(':')[1], `${scope}: ${a}`).toMatch(AWS_READ_VERB);
      expect(a.split(':')[1], `${scope}: ${a}`).not.toMatch(AWS_WRITE_VERB);
    }
  });

  it.each(SCOPE_TABLE.filter((e) => e.access === 'read' && e.gcp).map((e) => e.scope))('read scope %s asks only read-only OAuth scopes, or says why not', (scope) => {
    const gcp = scopeEntry(scope)!.gcp!;
    const broad = gcp.oauthScopes.filter((o) => !READ_ONLY_OAUTH.has(o));
    if (broad.length > 0) {
      expect(gcp.broadOauthBecause, `${scope} asks ${broad.join(', ')} without saying why`).toMatch(/accepts? only/);
      // cloud-platform, or the Billing Budgets API's own cloud-billing (it has no read-only scope).
      expect(broad.every((b) => b === OAUTH.cloudPlatform || b === OAUTH.billing), broad.join(', ')).toBe(true);
    }
  });

  it('gives every write scope a permission that writes (EKS writes go through Kubernetes RBAC, and its note says so)', () => {
    for (const e of SCOPE_TABLE.filter((x) => x.access === 'write')) {
      if (e.gcp) expect(e.gcp.permissions.some((p) => GCP_WRITE_VERB.test(p.split('.').at(-1)!)), e.scope).toBe(true);
      if (!e.aws) continue;
      if (e.scope === 'k8s.workload.update') expect(e.aws.note).toMatch(/Kubernetes RBAC/);
      else expect(e.aws.actions.some((a) => AWS_WRITE_VERB.test(a.split(':')[1]!)), e.scope).toBe(true);
    }
  });

  it('reads the agents need carry the permissions of the attributes they read (spot checks)', () => {
    // idle-vm-reaper reads cpuP95Percent (Monitoring) and vcpus/memoryGb (machine types); the GCP adapter reads no logins, so no Logging.
    expect(scopeEntry('vm.list')!.gcp!.permissions).toEqual(['compute.instances.list', 'compute.machineTypes.get', 'monitoring.timeSeries.list']);
    // public-bucket-auditor reads iamBindings and changes publicAccessPrevention.
    expect(scopeEntry('bucket.list')!.gcp!.permissions).toContain('storage.buckets.getIamPolicy');
    expect(scopeEntry('bucket.update')!.gcp!.permissions).toEqual(expect.arrayContaining(['storage.buckets.update', 'storage.buckets.setIamPolicy']));
    expect(scopeEntry('bucket.update')!.aws!.actions).toContain('s3:PutBucketPublicAccessBlock');
    // A GCP label write reads the label fingerprint first and waits on the zone operation.
    expect(scopeEntry('vm.label')!.gcp!.permissions).toEqual(['compute.instances.setLabels', 'compute.instances.get', 'compute.machineTypes.get', 'compute.zoneOperations.get']);
  });
});

describe('grantFor', () => {
  it('unions the permissions, sorted and unique, with a line per scope in the order asked', () => {
    const g = grantFor('gcp', ['vm.stop', 'vm.list', 'vm.stop']);
    expect(g.permissions).toEqual([
      'compute.instances.get',
      'compute.instances.list',
      'compute.instances.stop',
      'compute.machineTypes.get',
      'compute.zoneOperations.get',
      'monitoring.timeSeries.list',
    ]);
    expect(g.perScope.map((p) => p.scope)).toEqual(['vm.stop', 'vm.list']);
    expect(g.perScope[0]).toMatchObject({ describe: expect.stringMatching(/^Stop Compute Engine VM instances/), permissions: ['compute.instances.get', 'compute.instances.stop', 'compute.machineTypes.get', 'compute.zoneOperations.get'] });
    expect(g.unsupported).toEqual([]);
  });

  it('keeps the narrowest OAuth scopes: a write scope subsumes its read-only sibling', () => {
    expect(grantFor('gcp', ['vm.list']).oauthScopes).toEqual([OAUTH.computeReadOnly, OAUTH.monitoringRead]);
    expect(grantFor('gcp', ['vm.list', 'vm.stop']).oauthScopes).toEqual([OAUTH.compute, OAUTH.monitoringRead]);
    expect(grantFor('gcp', ['bucket.list', 'bucket.update']).oauthScopes).toEqual([OAUTH.storageFull, OAUTH.monitoringRead]);
    // cloud-platform covers every Google Cloud API scope, but not userinfo.email (not a Cloud scope).
    expect(grantFor('gcp', ['k8s.workload.list', 'k8s.workload.update', 'logs.read']).oauthScopes).toEqual([OAUTH.cloudPlatform, OAUTH.userinfoEmail]);
    expect(grantFor('gcp', ['billing.read', 'logs.read']).oauthScopes).toEqual([OAUTH.cloudPlatformReadOnly, OAUTH.logsRead]);
    expect(grantFor('aws', ['vm.list']).oauthScopes).toEqual([]);
  });

  it('narrowestOauthScopes drops only what another scope present subsumes', () => {
    expect(narrowestOauthScopes([OAUTH.storageReadOnly, OAUTH.storageReadWrite])).toEqual([OAUTH.storageReadWrite]);
    expect(narrowestOauthScopes([OAUTH.computeReadOnly, OAUTH.cloudPlatformReadOnly])).toEqual([OAUTH.cloudPlatformReadOnly, OAUTH.computeReadOnly]);
  });

  it('reports unknown scopes and scopes a provider cannot back under unsupported, with a reason', () => {
    const g = grantFor('gcp', ['budget.list', 'budget.label', 'teleport.run']);
    expect(g.unsupported).toEqual(['budget.label', 'teleport.run']);
    expect(g.perScope.map((p) => p.scope)).toEqual(['budget.list']);
    expect(unsupportedReason('gcp', 'budget.label')).toMatch(/budgets have no labels/);
    expect(unsupportedReason('aws', 'teleport.run')).toMatch(/not in the platform's scope table/);
    expect(grantFor('aws', ['budget.label']).permissions).toEqual(['budgets:ListTagsForResource', 'budgets:TagResource', 'budgets:ViewBudget']);
  });
});
