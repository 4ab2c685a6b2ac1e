import type { ScanCheck, ScanFinding } from '@agent-marketplace/contract/scanReport';
import { formatBytes, MANIFEST_PATH, type BundleEntry } from './bundle.js';
import { textOf } from './text.js';

/**
 * Patterns of credentials that must never ship in a manifest or a bundle. This finds keys by
 * their shape, not by value (redaction.ts knows the values of a run's secrets; here there are
 * none to know). A finding names the file and line and shows the match redacted, never whole.
 */
export interface SecretPattern {
  id: string;
  /** What a developer reads: "AWS access key id". */
  label: string;
  regex: RegExp;
  /** The capture group holding the secret itself (0: the whole match). */
  group?: number;
}

// A match starts where a token starts: "eyJeyJeyJ…" has one start, not one per "eyJ", so a long
// line of look-alikes costs linear time, not quadratic.
const START = '(?<![A-Za-z0-9_\\-])';
const END = '(?![A-Za-z0-9_\\-])';

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { id: 'aws_access_key_id', label: 'AWS access key id', regex: new RegExp(`${START}(?:AKIA|ASIA)[0-9A-Z]{16}${END}`, 'g') },
  {
    id: 'aws_secret_access_key',
    label: 'AWS secret access key',
    regex: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  { id: 'gcp_service_account_key', label: 'Google Cloud service-account key', regex: /"private_key"\s*:\s*"-----BEGIN/g },
  { id: 'private_key', label: 'private key (PEM)', regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { id: 'stripe_key', label: 'Stripe secret or restricted key', regex: new RegExp(`${START}(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}${END}`, 'g') },
  { id: 'github_token', label: 'GitHub token', regex: new RegExp(`${START}(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})${END}`, 'g') },
  { id: 'slack_token', label: 'Slack token', regex: new RegExp(`${START}xox[abprs]-[A-Za-z0-9-]{10,}${END}`, 'g') },
  { id: 'google_api_key', label: 'Google API key', regex: new RegExp(`${START}AIza[0-9A-Za-z_\\-]{35}${END}`, 'g') },
  { id: 'jwt', label: 'JSON Web Token', regex: new RegExp(`${START}eyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{16,}${END}`, 'g') },
];

/** `.env`, `.env.production`: the files where secrets live. Examples and templates are for sharing. */
export const isEnvFile = (path: string) => /(^|\/)\.env(\.[^/]*)?$/.test(path) && !/\.(example|sample|template|dist)$/.test(path);
const ENV_ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(["']?)(\S.*?)\2\s*$/;

/** The first characters of a secret and an ellipsis: enough to find it, too little to use it. Short values show less. */
export function redactMatch(secret: string): string {
  return `${secret.slice(0, Math.min(4, Math.floor(secret.length / 3)))}…`;
}

/** Secrets in one text, each with its 1-based line. Two patterns that match the same characters report once. */
export function findSecrets(text: string, path: string): ScanFinding[] {
  const findings: ScanFinding[] = [];
  const envFile = isEnvFile(path);
  const lines = text.split('\n');
  lines.forEach((lineText, i) => {
    const taken: Array<[number, number]> = [];
    for (const pattern of SECRET_PATTERNS) {
      for (const m of lineText.matchAll(pattern.regex)) {
        const start = m.index;
        const end = start + m[0].length;
        if (taken.some(([s, e]) => start < e && s < end)) continue;
        taken.push([start, end]);
        findings.push({ level: 'fail', path, line: i + 1, message: `${pattern.label}: ${redactMatch(m[pattern.group ?? 0] ?? m[0])}` });
      }
    }
    if (envFile && taken.length === 0) {
      const m = ENV_ASSIGNMENT.exec(lineText);
      if (m) findings.push({ level: 'fail', path, line: i + 1, message: `.env assignment to ${m[1]}: ${redactMatch(m[3]!)}` });
    }
  });
  return findings;
}

/**
 * `secrets`: the submitted manifest and every text file of the bundle. Binary files are
 * skipped; files too large to keep were not read, and are named so nobody takes silence for
 * a clean result.
 */
export function secretsCheck(manifestYaml: string, entries: readonly BundleEntry[]): ScanCheck {
  const findings: ScanFinding[] = [];
  let scanned = 0;
  let binary = 0;
  const bundled = entries.find((e) => e.path === MANIFEST_PATH);
  // The bundle's agent.yaml is scanned as a file; the submitted text only when it differs.
  if (!bundled || textOf(bundled) !== manifestYaml) {
    findings.push(...findSecrets(manifestYaml, `${MANIFEST_PATH} (submitted)`));
    scanned += 1;
  }
  for (const e of entries) {
    if (e.type !== 'file') continue;
    if (!e.content) {
      findings.push({ level: 'warn', path: e.path, message: `${e.path} (${formatBytes(e.sizeBytes)}) is too large to scan for secrets.` });
      continue;
    }
    const text = textOf(e);
    if (text === null) {
      binary += 1;
      continue;
    }
    scanned += 1;
    findings.push(...findSecrets(text, e.path));
  }
  return {
    id: 'secrets',
    title: 'No secrets in the manifest or bundle',
    status: findings.some((f) => f.level === 'fail') ? 'fail' : findings.length ? 'warn' : 'pass',
    blocker: true,
    note: `Scanned ${scanned} text file${scanned === 1 ? '' : 's'} for ${SECRET_PATTERNS.length} key and token patterns${binary ? ` (${binary} binary file${binary === 1 ? '' : 's'} skipped)` : ''}.`,
    findings,
  };
}
