import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  assessAll,
  costCenterConsensus,
  DEFAULT_POLICY,
  envFromProject,
  labelAction,
  resolvePolicy,
  violationsOf,
  type LabelledResource,
} from '../src/compliance.ts';

const resources = (JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as { resources: LabelledResource[] }).resources;
const reports = assessAll(resources, DEFAULT_POLICY, { minEvidence: 2 });
const report = (name: string) => reports.find((r) => r.name === name)!;

describe('the policy', () => {
  it('comes from the input, else the config, else the default; left-out fields keep their defaults', () => {
    expect(resolvePolicy(undefined, undefined)).toEqual({ policy: DEFAULT_POLICY, source: 'default' });
    const fromConfig = resolvePolicy({ required: ['owner', 'team'] }, undefined);
    expect(fromConfig.source).toBe('config');
    expect(fromConfig.policy).toEqual({ ...DEFAULT_POLICY, required: ['owner', 'team'] });
    const fromInput = resolvePolicy({ required: ['owner'] }, { allowedValues: { env: ['production', 'staging'] } });
    expect(fromInput.source).toBe('input');
    expect(fromInput.policy).toEqual({ ...DEFAULT_POLICY, allowedValues: { env: ['production', 'staging'] } });
  });

  it('rejects a pattern that is not a regular expression', () => {
    expect(() => resolvePolicy(undefined, { patterns: { 'cost-center': '^cc-[0-9' } })).toThrow(/cost-center.*not a valid regular expression/);
  });

  it('reports missing (absent or empty) and invalid labels, also for present labels that are not required', () => {
    expect(violationsOf({ owner: '', env: 'Prod', 'cost-center': 'cc-1042' }, DEFAULT_POLICY)).toEqual([
      { label: 'owner', problem: 'missing' },
      { label: 'env', problem: 'invalid', value: 'Prod', expected: 'one of prod, staging, dev' },
    ]);
    const loose = { ...DEFAULT_POLICY, required: ['owner'] };
    expect(violationsOf({ owner: 'a', 'cost-center': '1042' }, loose)).toEqual([
      { label: 'cost-center', problem: 'invalid', value: '1042', expected: 'a value matching ^cc-[0-9]{4}$' },
    ]);
    expect(violationsOf({ owner: 'team-web', 'cost-center': 'cc-1042', env: 'prod' }, DEFAULT_POLICY)).toEqual([]);
  });
});

describe('inference', () => {
  it('reads the environment from the project suffix only', () => {
    expect(['acme-prod', 'acme-staging', 'payments-dev', 'acme-data', 'ml-sandbox', 'prod-tools'].map(envFromProject)).toEqual([
      'prod',
      'staging',
      'dev',
      null,
      null,
      null,
    ]);
  });

  it('finds a project cost-center only when every valid value agrees; invalid values are not evidence', () => {
    const c = costCenterConsensus(resources, DEFAULT_POLICY);
    expect(c.get('acme-prod')).toEqual({ value: 'cc-1042', values: { 'cc-1042': 7 } });
    expect(c.get('acme-staging')).toEqual({ value: null, values: { 'cc-2077': 2, 'cc-1042': 1 } });
    expect(c.get('acme-data')!.value).toBe('cc-5120');
  });
});

describe('assessing the shipped organisation', () => {
  it('counts 45 violations on 27 of 39 resources, 21 safely fixable', () => {
    expect(reports).toHaveLength(39);
    expect(reports.filter((r) => r.violations.length === 0)).toHaveLength(12);
    expect(reports.reduce((s, r) => s + r.violations.length, 0)).toBe(45);
    expect(reports.reduce((s, r) => s + r.fixes.length, 0)).toBe(21);
    expect(reports.reduce((s, r) => s + r.remaining.length, 0)).toBe(24);
  });

  it('fixes env from the suffix, replacing an invalid value', () => {
    expect(report('api-server-1').fixes).toEqual([{ label: 'env', from: 'production', to: 'prod', source: 'project-suffix', evidence: 'project acme-prod' }]);
    expect(report('dev-workstation-alice-home').fixes[0]).toMatchObject({ from: 'Dev', to: 'dev' });
    expect(report('spark-worker-1').remaining).toEqual([
      { label: 'env', problem: 'missing', why: 'project acme-data has no -prod, -staging or -dev suffix to infer the environment from' },
    ]);
  });

  it('copies the cost-center only from an agreeing project with enough evidence', () => {
    expect(report('batch-runner').fixes.map((f) => `${f.label}=${f.to}`)).toEqual(['cost-center=cc-1042', 'env=prod']);
    expect(report('api-server-1-data').fixes).toEqual([
      { label: 'cost-center', from: 'CC-1042', to: 'cc-1042', source: 'project-consensus', evidence: '7 resources in acme-prod carry cc-1042, none disagree' },
    ]);
    expect(report('acme-staging-uploads').remaining[0]!.why).toBe('resources in acme-staging disagree: cc-2077 (2), cc-1042 (1)');
    expect(report('payments-api-2').remaining[0]!.why).toBe('only 1 resource in payments-prod carries cc-2200; 2 needed to infer it');
    const lenient = assessAll(resources, DEFAULT_POLICY, { minEvidence: 1 });
    expect(lenient.find((r) => r.name === 'payments-api-2')!.fixes.map((f) => f.to)).toEqual(['cc-2200']);
  });

  it('never guesses an owner', () => {
    expect(reports.flatMap((r) => r.fixes).some((f) => f.label === 'owner')).toBe(false);
    const owners = reports.flatMap((r) => r.remaining).filter((x) => x.label === 'owner');
    expect(owners).toHaveLength(9);
    expect(owners.every((o) => o.why.startsWith('an owner is never guessed'))).toBe(true);
  });

  it('leaves a valid env that contradicts the project alone, with a warning', () => {
    expect(report('bastion')).toMatchObject({ violations: [], fixes: [], warnings: ['env=dev on a resource in acme-prod, which implies prod: left as is, check it'] });
  });

  it('does not infer an env value the policy does not allow', () => {
    const policy = { ...DEFAULT_POLICY, allowedValues: { env: ['production', 'staging', 'development'] } };
    const r = assessAll(resources, policy, { minEvidence: 2 }).find((x) => x.name === 'web-frontend-2')!;
    expect(r.fixes).toEqual([]);
    expect(r.remaining[0]!.why).toBe('the project suffix implies "prod", which the policy does not allow');
  });

  it('builds one label action per resource with the evidence in its reason', () => {
    expect(labelAction(report('batch-runner'))).toEqual({
      labels: { 'cost-center': 'cc-1042', env: 'prod' },
      reason: 'Label policy: set cost-center=cc-1042 from 7 resources in acme-prod carry cc-1042, none disagree; env=prod from project acme-prod',
    });
    expect(labelAction(report('bastion'))).toBeNull();
  });
});
