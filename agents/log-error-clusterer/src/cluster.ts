/**
 * Pure log clustering: turn error messages into templates, group them, merge near-identical
 * templates and judge spikes. No I/O, so it is tested directly.
 */
export interface LogEntry {
  timestamp: string;
  severity: string;
  service: string;
  resource: string;
  message: string;
  trace?: string;
}

export interface ClusterOptions {
  /** End of the window (ISO date). */
  asOf: string;
  /** Length of the window in hours, ending at asOf. */
  windowHours: number;
  /** Lowest severity that is clustered. */
  minSeverity: string;
  /** Token Jaccard similarity at or above which two templates merge (0..1). */
  similarity: number;
  /** The last hour must hold at least this many times the hourly mean of the rest of the window. */
  spikeFactor: number;
  /** ...and at least this many entries. */
  minSpikeCount: number;
}

export const DEFAULTS: Omit<ClusterOptions, 'asOf'> = {
  windowHours: 24,
  minSeverity: 'ERROR',
  similarity: 0.8,
  spikeFactor: 3,
  minSpikeCount: 10,
};

export interface ClusterSample {
  timestamp: string;
  service: string;
  resource: string;
  message: string;
  trace?: string;
}

export interface Cluster {
  /** Stable id derived from the template, so a cluster can be followed from run to run. */
  id: string;
  template: string;
  /** How many distinct masked templates were merged into this cluster. */
  variants: number;
  count: number;
  severities: Record<string, number>;
  services: string[];
  /** Distinct resources (at most 10), most frequent first. */
  resources: string[];
  firstSeen: string;
  lastSeen: string;
  sample: ClusterSample;
  lastHourCount: number;
  /** Mean entries per hour over the window before its last hour. */
  hourlyMean: number;
  /** lastHourCount / hourlyMean, or null when the cluster had no entries before the last hour. */
  spikeRatio: number | null;
  spike: boolean;
}

export interface ClusterReport {
  window: { from: string; to: string };
  scanned: number;
  inWindow: number;
  /** Entries at or above minSeverity inside the window. */
  errors: number;
  /** Entries with an unreadable timestamp. */
  invalid: number;
  exactTemplates: number;
  clusters: Cluster[];
}

// ---------------------------------------------------------------------------------------------
// Severities

/** Cloud Logging's severity order; WARN/FATAL/ERR are accepted as their usual aliases. */
export const SEVERITY_ORDER = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'] as const;
const ALIASES: Record<string, string> = { WARN: 'WARNING', ERR: 'ERROR', FATAL: 'CRITICAL', TRACE: 'DEBUG' };

export function normalizeSeverity(s: unknown): string {
  const up = String(s ?? 'DEFAULT').trim().toUpperCase();
  return ALIASES[up] ?? up;
}

export function severityRank(s: unknown): number {
  return SEVERITY_ORDER.indexOf(normalizeSeverity(s) as (typeof SEVERITY_ORDER)[number]);
}

// ---------------------------------------------------------------------------------------------
// Templates

const UNITS_TIME = 'ns|us|µs|ms|s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?';
const GO_DURATION = '(?:\\d+(?:\\.\\d+)?(?:h|ms|us|µs|ns|m|s)){2,}';

const HTTP_REASONS = [
  'Bad Request', 'Unauthorized', 'Payment Required', 'Forbidden', 'Not Found', 'Method Not Allowed', 'Request Timeout',
  'Conflict', 'Gone', 'Payload Too Large', 'Unprocessable Entity', 'Too Many Requests', 'Internal Server Error',
  'Not Implemented', 'Bad Gateway', 'Service Unavailable', 'Gateway Timeout',
].join('|');

/** Masks, in order: each replaces a variable part of a message by a placeholder. */
const MASKS: [RegExp, string][] = [
  // HTTP statuses keep their class only: "503 Service Unavailable" and "502 Bad Gateway" are one family, <5XX>.
  [new RegExp(`\\b([1-5])\\d\\d (?:${HTTP_REASONS})\\b`, 'g'), '<$1XX>'],
  [/\b(HTTP(?:\/\d(?:\.\d)?)?|status(?:[ _]?code)?|code)([ =:]+)([1-5])\d\d\b/gi, '$1$2<$3XX>'],
  [/(?<![\w])"(?:[^"\\\n]|\\.)*"(?![\w])/g, '<STR>'],
  [/(?<![\w])'(?:[^'\\\n]|\\.)*'(?![\w])/g, '<STR>'],
  [/`[^`\n]*`/g, '<STR>'],
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<TS>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<UUID>'],
  [/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, '<EMAIL>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, '<IP>'],
  [/\[[0-9a-f:]*:[0-9a-f:]+\](?::\d{1,5})?/gi, '<IP>'],
  // Kubernetes pod names: <workload>-<replicaset hash>-<5 chars>
  [/\b([a-z][a-z0-9-]*?)-[a-z0-9]{8,10}-[a-z0-9]{5}\b/g, '$1-<POD>'],
  [/\b0x[0-9a-f]+\b/gi, '<HEX>'],
  [/(?<![\w-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?![\w-])/gi, '<HEX>'],
  [new RegExp(`(?<![\\w.])(?:${GO_DURATION}|\\d+(?:\\.\\d+)?\\s?(?:${UNITS_TIME}))(?![\\w])`, 'g'), '<DUR>'],
  [/(?<![\w.])\d+(?:\.\d+)?\s?(?:[KMGTP]i?B|bytes|B)(?![\w])/g, '<SIZE>'],
  [/(?<![\w.])[-+]?\d+(?:\.\d+)?%/g, '<PCT>'],
  [/\b\d+(?:\.\d+)?\b/g, '<NUM>'],
];

/** The part of a message that identifies it: its first line, plus the top stack frame if any. */
export function signature(message: string): string {
  const lines = String(message ?? '').split(/\r?\n/);
  const head = (lines[0] ?? '').trim();
  const frame = lines.slice(1).find((l) => /^\s*at\s/.test(l));
  return frame ? `${head} ${frame.trim()}` : head;
}

/** The template of a message: its signature with every variable part masked. */
export function templateOf(message: string): string {
  let t = signature(message);
  for (const [re, by] of MASKS) t = t.replace(re, by);
  return t.replace(/\s+/g, ' ').trim();
}

/** Separators between word tokens; captured, so splitting keeps them at the odd positions. */
const TOKEN_SPLIT = /([\s,;:()[\]{}=|"'/]+)/;

/** Word tokens of a template, for similarity. */
export function tokens(template: string): Set<string> {
  return new Set(template.split(TOKEN_SPLIT).filter((t, i) => i % 2 === 0 && t !== ''));
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Templates with the same number of words merge position by position; differing words become <*>. */
export function mergeTemplates(templates: readonly string[]): string {
  const first = templates[0] ?? '';
  for (const split of [TOKEN_SPLIT, / /]) {
    const parts = templates.map((t) => t.split(split));
    const n = parts[0]!.length;
    if (parts.some((p) => p.length !== n)) continue;
    return parts[0]!.map((w, i) => (parts.every((p) => p[i] === w) ? w : '<*>')).join(split === TOKEN_SPLIT ? '' : ' ');
  }
  return first;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable id. */
export function stableId(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------
// Clustering

interface Group {
  template: string;
  tokens: Set<string>;
  entries: { entry: LogEntry; t: number }[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function countBy<T>(items: readonly T[], key: (x: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const x of items) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function clusterLogs(rows: readonly LogEntry[], options: ClusterOptions): ClusterReport {
  const end = Date.parse(options.asOf);
  if (!Number.isFinite(end)) throw new Error(`asOf is not a date: ${options.asOf}`);
  const windowHours = Math.max(1, options.windowHours);
  const start = end - windowHours * 3600_000;
  const lastHourStart = end - 3600_000;
  const minRank = severityRank(options.minSeverity);

  let invalid = 0;
  let inWindow = 0;
  const exact = new Map<string, Group>();
  for (const entry of rows) {
    const t = Date.parse(entry.timestamp);
    if (!Number.isFinite(t)) {
      invalid++;
      continue;
    }
    if (t <= start || t > end) continue;
    inWindow++;
    if (severityRank(entry.severity) < minRank) continue;
    const template = templateOf(entry.message);
    let g = exact.get(template);
    if (!g) exact.set(template, (g = { template, tokens: tokens(template), entries: [] }));
    g.entries.push({ entry, t });
  }

  // Merge near-identical templates: most frequent first, each joins the most similar earlier cluster.
  const groups = [...exact.values()].sort((a, b) => b.entries.length - a.entries.length || a.template.localeCompare(b.template));
  const merged: Group[][] = [];
  for (const g of groups) {
    let best = -1;
    let bestScore = -1;
    merged.forEach((m, i) => {
      const score = jaccard(m[0]!.tokens, g.tokens);
      if (score >= options.similarity && score > bestScore) {
        best = i;
        bestScore = score;
      }
    });
    if (best >= 0) merged[best]!.push(g);
    else merged.push([g]);
  }

  const baselineHours = Math.max(1, windowHours - 1);
  const clusters = merged.map((members): Cluster => {
    const entries = members.flatMap((m) => m.entries).sort((a, b) => a.t - b.t);
    const last = entries[entries.length - 1]!;
    const lastHourCount = entries.filter((e) => e.t > lastHourStart).length;
    const before = entries.length - lastHourCount;
    const hourlyMean = before / baselineHours;
    const spikeRatio = hourlyMean > 0 ? round2(lastHourCount / hourlyMean) : null;
    const spike = lastHourCount >= options.minSpikeCount && (hourlyMean === 0 || lastHourCount >= options.spikeFactor * hourlyMean);
    const template = mergeTemplates(members.map((m) => m.template));
    const sampleMsg = last.entry.message.length > 600 ? `${last.entry.message.slice(0, 600)}…` : last.entry.message;
    return {
      id: `c-${stableId(members[0]!.template)}`,
      template,
      variants: members.length,
      count: entries.length,
      severities: Object.fromEntries(countBy(entries, (e) => normalizeSeverity(e.entry.severity))),
      services: countBy(entries, (e) => e.entry.service).map(([s]) => s),
      resources: countBy(entries, (e) => e.entry.resource).slice(0, 10).map(([r]) => r),
      firstSeen: new Date(entries[0]!.t).toISOString(),
      lastSeen: new Date(last.t).toISOString(),
      sample: {
        timestamp: last.entry.timestamp,
        service: last.entry.service,
        resource: last.entry.resource,
        message: sampleMsg,
        ...(last.entry.trace ? { trace: last.entry.trace } : {}),
      },
      lastHourCount,
      hourlyMean: round2(hourlyMean),
      spikeRatio,
      spike,
    };
  });
  clusters.sort((a, b) => b.count - a.count || a.template.localeCompare(b.template));

  return {
    window: { from: new Date(start).toISOString(), to: new Date(end).toISOString() },
    scanned: rows.length,
    inWindow,
    errors: clusters.reduce((s, c) => s + c.count, 0),
    invalid,
    exactTemplates: exact.size,
    clusters,
  };
}
