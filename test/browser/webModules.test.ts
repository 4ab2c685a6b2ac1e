/**
 * The web client's pure modules, in Node: Retry-After in words, plural forms, the series the
 * dashboard charts draw, the locale the app formats with when the browser reports an invalid
 * one, and the labels the generated forms give a schema's property names.
 */
import { describe, expect, it } from 'vitest';
import { tn } from '../../web/src/i18n.ts';
import { retryAfterText } from '../../web/src/retryAfter.ts';
import { dailySeries } from '../../web/src/ui/dailySeries.ts';
import { formatLocale, formatLocaleFor, repairNavigatorLocale, validLocale } from '../../web/src/locale.ts';
import { fieldLabel } from '../../web/src/ui/fieldLabel.ts';

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
