import type { CloudListFilter, CloudResource } from '@agent-marketplace/contract/cloud';
import type { CloudActionRequest } from '../../../app/cloud/ports.js';
import { CloudProviderError } from '../../../app/cloud/ports.js';
import type { GoogleApi } from './googleApi.js';

/** A warning the adapter kept going after (an unreachable zone, a cluster it could not read). */
export interface GcpWarning {
  api: string;
  scope: string;
  code: string;
  message: string;
}

/** What each kind's module gets for one call: the HTTP client, the run's token, where it acts. */
export interface GcpCall {
  api: GoogleApi;
  token: string;
  /** The GCP target, as the connection names it. */
  target: { kind: 'project' | 'organization'; id: string };
  billingExportTable: string | null;
  /** The project ids a listing covers: the target project, or the organisation's active projects. */
  projects(filter?: CloudListFilter): Promise<string[]>;
  now(): Date;
  pause(ms: number): Promise<void>;
  warn(w: GcpWarning): void;
  /** A fetch for a GKE control plane, trusting only its cluster CA. */
  clusterFetch(caPem: string): typeof fetch;
  apiRoot: string | undefined;
}

export interface KindAdapter {
  list(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]>;
  /** Absent: the generic get lists and finds the id. */
  get?(c: GcpCall, id: string): Promise<CloudResource | null>;
  act?(c: GcpCall, action: CloudActionRequest): Promise<CloudResource>;
}

export const unsupported = (message: string) => new CloudProviderError('gcp', 'unsupported', message);

/** The last path segment of a Google resource URL or name (`.../zones/us-central1-a` → `us-central1-a`). */
export const lastSegment = (s: unknown): string => (typeof s === 'string' ? (s.split('/').pop() ?? '') : '');

/** `us-central1-a` → `us-central1`. */
export const regionOfZone = (zone: string): string => zone.replace(/-[a-z]$/, '');

/** A Compute Engine URL (`https://www.googleapis.com/compute/v1/projects/p/zones/z/disks/d`) as its `projects/...` path. */
export const computePath = (url: unknown): string => (typeof url === 'string' ? url.replace(/^https:\/\/[^/]+\/compute\/(v1|beta|alpha)\//, '') : '');

/** An RFC 3339 time with any offset, as ISO-8601 UTC; undefined when absent or unreadable. */
export function isoTime(v: unknown): string | undefined {
  if (typeof v !== 'string' || !v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Int64 fields arrive as JSON strings (proto3 JSON mapping). */
export function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Keeps what matches every given field of the filter (labels: every given key with its value). */
export function applyFilter(resources: CloudResource[], filter: CloudListFilter): CloudResource[] {
  return resources.filter(
    (r) =>
      (filter.project === undefined || r.project === filter.project) &&
      (filter.region === undefined || r.region === filter.region) &&
      (filter.state === undefined || r.state === filter.state) &&
      Object.entries(filter.labels ?? {}).every(([k, v]) => r.labels[k] === v),
  );
}

/** Parses an id of the form `projects/{p}/<a>/{x}/<b>/{y}` against the expected literal segments. */
export function parseId(kind: string, id: string, shape: RegExp, example: string): RegExpExecArray {
  const m = shape.exec(id);
  if (!m) throw new CloudProviderError('gcp', 'invalid', `A ${kind} id on GCP looks like ${example}; got ${JSON.stringify(id.slice(0, 200))}.`);
  return m;
}
