/**
 * The web client's pure modules, in Node: Retry-After in words, plural forms, the series the
 * dashboard charts draw, the locale the app formats with when the browser reports an invalid
 * one, the labels the generated forms give a schema's property names, and the approvals'
 * pieces (money in minor units, relative times, who may decide, where a policy problem goes,
 * the inbox's order), and the developer portal's (what each publisher role may do, the order a
 * scan report is read in, the analytics periods, its addresses).
 */
import { describe, expect, it } from 'vitest';
import { formatMinorUnits, formatMinutes, formatRelative, tn } from '../../web/src/i18n.ts';
import { newestFirst, reaches } from '../../web/src/live/approvalOrder.ts';
import { decideBlocker } from '../../web/src/pages/approvals/eligibility.ts';
import { placeProblem } from '../../web/src/pages/policy/policyErrors.ts';
import { sameRule } from '../../web/src/pages/policy/sameRule.ts';
import { retryAfterText } from '../../web/src/retryAfter.ts';
import { dailySeries } from '../../web/src/ui/dailySeries.ts';
import { formatLocale, formatLocaleFor, repairNavigatorLocale, validLocale } from '../../web/src/locale.ts';
import { fieldLabel } from '../../web/src/ui/fieldLabel.ts';
import { periodDays } from '../../web/src/pages/developer/analyticsPeriod.ts';
import { analyticsPath, developerAgentPath, publisherPath } from '../../web/src/pages/developer/devPaths.ts';
import { assignableRoles, canManageMembers, canManageVersions, canSeeEarnings, canTouchMember } from '../../web/src/pages/developer/publisherRoles.ts';
import { findingPlace, orderChecks, scanCounts } from '../../web/src/pages/developer/scanOrder.ts';
import type { ScanCheck, ScanReport } from '@agent-marketplace/client';

describe('Retry-After in words', () => {
  it('says when to try again in the unit that reads best, with plural forms', () => {
    expect(retryAfterText(0)).toBe('Try again now.');
    expect(retryAfterText(30)).toBe('Try again in 30 seconds.');
    expect(retryAfterText(60)).toBe('Try again in 60 seconds.');
    expect(retryAfterText(90)).toBe('Try again in 2 minutes.');
    expect(retryAfterText(3600)).toBe('Try again in 60 minutes.');
    expect(retryAfterText(7200)).toBe('Try again in 2 hours.');
    expect(tn('error.retryMinutes', 1)).toBe('Try again in 1 minute.');
  });
});

describe('dailySeries', () => {
  it('spans the last 30 UTC days ending today, with zeros and gaps where nothing ran, summing installs', () => {
    const today = new Date('2026-11-26T15:00:00Z');
    const s = dailySeries(
      [
        { date: '2026-11-26', runs: 5, succeeded: 4, failed: 1 },
        { date: '2026-11-26', runs: 1, succeeded: 0, failed: 1 },
        { date: '2026-10-28', runs: 2, succeeded: 2, failed: 0 },
        { date: '2026-10-01', runs: 9, succeeded: 9, failed: 0 }, // older than 30 days: not drawn
      ],
      30,
      today,
    );
    expect(s.x).toHaveLength(30);
    expect(new Date(s.x[29]! * 1000).toISOString()).toBe('2026-11-26T00:00:00.000Z');
    expect(new Date(s.x[0]! * 1000).toISOString()).toBe('2026-10-28T00:00:00.000Z');
    expect(s.runs[29]).toBe(6);
    expect(s.failed[29]).toBe(2);
    expect(s.rate[29]).toBeCloseTo((4 / 6) * 100);
    expect(s.runs[0]).toBe(2);
    expect(s.rate[0]).toBe(100);
    expect(s.runs[15]).toBe(0);
    expect(s.rate[15]).toBeNull();
    expect(s.runs.reduce((a, b) => a + b, 0)).toBe(8);
  });
});

describe('the formatting locale', () => {
  it('repairs or refuses what a browser on a POSIX locale reports, falling back to en', () => {
    // Each of these must not throw in any Intl constructor: en-US@posix and fr_FR.UTF-8 do.
    expect(validLocale('en-US@posix')).toBe('en-US');
    expect(validLocale('C')).toBeNull();
    expect(validLocale('POSIX')).toBeNull();
    expect(validLocale('')).toBeNull();
    expect(validLocale(undefined)).toBeNull();
    expect(validLocale('de-DE')).toBe('de-DE');
    expect(validLocale('fr_FR.UTF-8')).toBe('fr-FR');
    expect(validLocale('de_DE.UTF-8@euro')).toBe('de-DE');
    expect(validLocale('en-gb')).toBe('en-GB');
    expect(validLocale('en-US-u-hc-h23')).toBe('en-US-u-hc-h23');
  });

  it('formats in the messages language (English only so far), keeping the region the browser asks for', () => {
    const picks = Object.fromEntries(['en-US@posix', 'C', '', 'de-DE', 'fr_FR.UTF-8', 'en_GB.UTF-8'].map((tag) => [tag, formatLocaleFor([tag])]));
    expect(picks).toEqual({ 'en-US@posix': 'en-US', C: 'en', '': 'en', 'de-DE': 'en', 'fr_FR.UTF-8': 'en', 'en_GB.UTF-8': 'en-GB' });
    // The first usable preference wins; nothing usable at all is English.
    expect(formatLocaleFor(['C', 'de-DE', 'en-IE'])).toBe('en-IE');
    expect(formatLocaleFor([])).toBe('en');
    for (const tag of Object.values(picks)) expect(() => new Intl.DateTimeFormat(tag).format(0)).not.toThrow();
  });

  it('repairs navigator.language for libraries that read it (uPlot), and leaves valid tags alone', () => {
    const nav = globalThis.navigator as { language: string; languages: readonly string[] };
    const pretend = (language: string, languages: string[]) => {
      Object.defineProperty(nav, 'language', { value: language, configurable: true });
      Object.defineProperty(nav, 'languages', { value: languages, configurable: true });
    };
    try {
      pretend('en-US@posix', ['en-US@posix', 'fr_FR.UTF-8', 'C']);
      repairNavigatorLocale();
      expect([nav.language, nav.languages]).toEqual(['en-US', ['en-US', 'fr-FR']]);
      expect(() => new Intl.NumberFormat(nav.language)).not.toThrow();
      // Nothing to repair: the app's own formatting locale (chosen at start, from Node's here).
      pretend('C', ['C']);
      repairNavigatorLocale();
      expect([nav.language, nav.languages]).toEqual([formatLocale, [formatLocale]]);
      const valid = ['de-DE', 'en'];
      pretend('de-DE', valid);
      repairNavigatorLocale();
      expect(nav.languages).toBe(valid);
    } finally {
      delete (nav as { language?: string }).language;
      delete (nav as { languages?: readonly string[] }).languages;
    }
  });
});

describe('fieldLabel', () => {
  it('reads property names as words in sentence case: camelCase, snake_case, kebab-case, SHOUTING_CASE', () => {
    const labels = Object.fromEntries(
      [
        'cpuThresholdPercent',
        'cpu_threshold_percent',
        'cpu-threshold-percent',
        'windowDays',
        'minDaysSinceLogin',
        'networkThresholdBytes',
        'dryRun',
        'asOf',
        'team',
        'x',
        'API_TOKEN',
        'SLACK_WEBHOOK_URL',
        'already Spaced words',
      ].map((name) => [name, fieldLabel(name)]),
    );
    expect(labels).toEqual({
      cpuThresholdPercent: 'CPU threshold percent',
      cpu_threshold_percent: 'CPU threshold percent',
      'cpu-threshold-percent': 'CPU threshold percent',
      windowDays: 'Window days',
      minDaysSinceLogin: 'Min days since login',
      networkThresholdBytes: 'Network threshold bytes',
      dryRun: 'Dry run',
      asOf: 'As of',
      team: 'Team',
      x: 'X',
      API_TOKEN: 'API token',
      SLACK_WEBHOOK_URL: 'Slack webhook URL',
      'already Spaced words': 'Already spaced words',
    });
  });

  it('keeps acronyms, written in capitals or known, with their plurals and digits', () => {
    expect(fieldLabel('maxHTTPRetries')).toBe('Max HTTP retries');
    expect(fieldLabel('HTTPServerURL')).toBe('HTTP server URL');
    expect(fieldLabel('vmId')).toBe('VM ID');
    expect(fieldLabel('vmIds')).toBe('VM IDs');
    expect(fieldLabel('gcpProjectIDs')).toBe('GCP project IDs');
    expect(fieldLabel('URLsToCheck')).toBe('URLs to check');
    expect(fieldLabel('ipv4Address')).toBe('IPv4 address');
    expect(fieldLabel('p95LatencyMs')).toBe('P95 latency ms');
    expect(fieldLabel('maxTTLSeconds')).toBe('Max TTL seconds');
    expect(fieldLabel('k8sNamespace')).toBe('K8s namespace');
  });

  it('leaves what it cannot split as it is', () => {
    expect(fieldLabel('')).toBe('');
    expect(fieldLabel('__')).toBe('__');
    expect(fieldLabel('42')).toBe('42');
  });
});

describe('approvals: money, times, eligibility, policy problems', () => {
  it('formats money held in minor units in the currency\'s own decimals, and spans of time in words', () => {
    expect(formatMinorUnits(268129, 'USD')).toBe('$2,681.29');
    expect(formatMinorUnits(500, 'JPY')).toBe('¥500');
    expect(formatMinorUnits(1234, 'KWD')).toMatch(/^KWD\s1\.234$/);
    expect(formatMinorUnits(0, 'eur')).toBe('€0.00');
    const now = new Date('2026-11-20T00:00:00Z');
    expect(formatRelative(new Date('2026-11-21T00:00:00Z'), now)).toBe('in 24 hours');
    expect(formatRelative(new Date('2026-11-19T23:55:00Z'), now)).toBe('5 minutes ago');
    expect(formatRelative(new Date('2026-11-25T00:00:00Z'), now)).toBe('in 5 days');
    expect(formatRelative(new Date('2026-11-20T00:00:20Z'), now)).toBe('in 20 seconds');
    expect([1440, 120, 90, 5, 43_200].map(formatMinutes)).toEqual(['1 day', '2 hours', '90 minutes', '5 minutes', '30 days']);
  });

  it('offers a decision as the server will judge it: pending, requester rule, one decision per person, the level\'s roles or named members', () => {
    const level = (roles: string[], members: string[] = []) => ({ approvers: { roles: roles as never, members }, required: 1, slaMinutes: 60, onExpiry: 'reject' as const });
    const a = {
      state: 'pending' as const,
      level: 0,
      requester: 'req',
      decisions: [] as { level: number; by: string; byName: string | null; decision: 'approve' | 'reject'; comment: string; at: string }[],
      rule: { levels: [level(['operator']), level(['admin'], ['named'])], allowRequester: false },
    };
    expect(decideBlocker(a, { uid: 'op', role: 'operator' })).toBeNull();
    expect(decideBlocker(a, { uid: 'ad', role: 'admin' })).toBe('not_eligible');
    expect(decideBlocker(a, { uid: 'req', role: 'operator' })).toBe('requester');
    expect(decideBlocker({ ...a, rule: { ...a.rule, allowRequester: true } }, { uid: 'req', role: 'operator' })).toBeNull();
    const atTwo = { ...a, level: 1, decisions: [{ level: 0, by: 'op', byName: null, decision: 'approve' as const, comment: '', at: '' }] };
    expect(decideBlocker(atTwo, { uid: 'op', role: 'admin' })).toBe('already_decided');
    expect(decideBlocker(atTwo, { uid: 'ad', role: 'admin' })).toBeNull();
    expect(decideBlocker(atTwo, { uid: 'named', role: 'viewer' })).toBeNull();
    expect(decideBlocker(atTwo, { uid: 'x', role: null })).toBe('not_eligible');
    expect(decideBlocker({ ...a, state: 'approved' }, { uid: 'op', role: 'operator' })).toBe('not_pending');
  });

  it('places a policy problem on its rule, level and field', () => {
    const rule = (action: string) => ({ action });
    const rules = [rule('vm.stop'), rule('vm.stop.all'), rule('db.delete')];
    expect(placeProblem('body.rules.vm.stop.levels.1.slaMinutes: Too small', rules)).toEqual({ rule: rules[0], level: 1, field: 'slaMinutes' });
    expect(placeProblem('rules.vm.stop.all.levels.0: needs 2 distinct approvers', rules)).toEqual({ rule: rules[1], level: 0, field: null });
    expect(placeProblem('body.rules.db.delete.allowRequester: Expected boolean', rules)).toEqual({ rule: rules[2], level: null, field: null });
    expect(placeProblem('Only an owner may make approvals less strict: vm.stop: level 1 adds operator.', rules)).toEqual({ rule: null, level: null, field: null });
  });

  it('compares rules whatever the order of roles and members', () => {
    const lvl = { approvers: { roles: ['owner', 'admin'] as ('owner' | 'admin')[], members: ['b', 'a'] }, required: 1, slaMinutes: 60, onExpiry: 'reject' as const };
    const rule = { levels: [lvl], allowRequester: false };
    expect(sameRule(rule, { levels: [{ ...lvl, approvers: { roles: ['admin', 'owner'], members: ['a', 'b'] } }], allowRequester: false })).toBe(true);
    expect(sameRule(rule, { levels: [{ ...lvl, required: 2 }], allowRequester: false })).toBe(false);
    expect(sameRule(rule, { ...rule, allowRequester: true })).toBe(false);
    expect(sameRule(rule, undefined)).toBe(false);
  });
});

describe("the inbox's order", () => {
  it('sorts newest first as the API pages (createdAt, then id, descending) and says where a partly loaded list stops', () => {
    const a = { createdAt: '2026-11-20T10:00:00.000Z', id: 'b' };
    const b = { createdAt: '2026-11-20T10:00:00.000Z', id: 'a' };
    const c = { createdAt: '2026-11-20T09:59:59.999Z', id: 'z' };
    const d = { createdAt: '2026-11-20T10:00:00.001Z', id: 'A' };
    expect([c, b, a, d].sort(newestFirst)).toEqual([d, a, b, c]);
    // Ids compare by code unit, as Firestore orders them (upper case before lower case), not by locale.
    expect([{ ...a, id: 'B' }, a].sort(newestFirst).map((x) => x.id)).toEqual(['b', 'B']);
    expect(reaches(a, b)).toBe(true);
    expect(reaches(b, b)).toBe(true);
    expect(reaches(c, b)).toBe(false);
    expect(reaches(c, null)).toBe(true);
  });
});

describe('the developer portal', () => {
  it('shows each publisher role the controls the API allows it (functions/src/domain/publishers.ts)', () => {
    expect(['owner', 'admin', 'developer', 'viewer'].map((r) => canManageVersions(r as never))).toEqual([true, true, true, false]);
    expect(['owner', 'admin', 'developer', 'viewer'].map((r) => canManageMembers(r as never))).toEqual([true, true, false, false]);
    expect(['owner', 'admin', 'developer', 'viewer'].map((r) => canSeeEarnings(r as never))).toEqual([true, false, false, false]);
    expect(assignableRoles('owner')).toEqual(['owner', 'admin', 'developer', 'viewer']);
    expect(assignableRoles('admin')).toEqual(['admin', 'developer', 'viewer']);
    // Only an owner touches an owner; developers and viewers touch nobody.
    expect(canTouchMember('owner', 'owner')).toBe(true);
    expect(canTouchMember('admin', 'owner')).toBe(false);
    expect(canTouchMember('admin', 'developer')).toBe(true);
    expect(canTouchMember('developer', 'viewer')).toBe(false);
    expect(canTouchMember('viewer', 'viewer')).toBe(false);
  });

  it('reads a scan report failing blockers first, then failures, warnings and passes, in the scan\'s order within each', () => {
    const check = (id: ScanCheck['id'], status: ScanCheck['status'], blocker: boolean): ScanCheck => ({ id, title: id, status, blocker, findings: [] });
    const checks = [check('manifest', 'pass', true), check('image', 'warn', false), check('permissions', 'fail', false), check('secrets', 'fail', true), check('entry', 'pass', true), check('bundle', 'fail', true)];
    expect(orderChecks(checks).map((c) => c.id)).toEqual(['secrets', 'bundle', 'permissions', 'image', 'manifest', 'entry']);
    expect(checks[0]!.id).toBe('manifest'); // the report itself is left alone
    const report = { passed: false, checks } as unknown as ScanReport;
    expect(scanCounts(report)).toEqual({ pass: 2, warn: 1, fail: 3 });
    expect(findingPlace({ path: 'src/config.js', line: 3 })).toBe('src/config.js:3');
    expect(findingPlace({ path: 'agent.yaml' })).toBe('agent.yaml');
    expect(findingPlace({})).toBeNull();
  });

  it('takes the analytics period from the address: 1 to 90 days, else 30', () => {
    expect(['7', '30', '90', '1', '45'].map(periodDays)).toEqual([7, 30, 90, 1, 45]);
    expect([null, '', '0', '91', '365', '7.5', '-7', 'x', '007'].map(periodDays)).toEqual([30, 30, 30, 30, 30, 30, 30, 30, 30]);
  });

  it('builds its addresses with ids escaped', () => {
    expect(publisherPath('acme')).toBe('/publishers/acme');
    expect(analyticsPath('acme', 7)).toBe('/publishers/acme/analytics?days=7');
    expect(developerAgentPath('acme', 'hello', '1.0.0-rc.1+b')).toBe('/publishers/acme/agents/hello?version=1.0.0-rc.1%2Bb');
  });
});
