import { CloudProviderError, type DatasetQuery } from '../../../app/cloud/ports.js';
import type { GcpCall } from './context.js';

/** `billing` and `logs` datasets: BigQuery over the billing export, and Cloud Logging entries. */

const DAY = 86_400_000;
const BILLING_DEFAULT_DAYS = 90;
const LOGS_DEFAULT_HOURS = 48;
const DEFAULT_LIMIT = 20_000;
/** `project.dataset.table` as the connection stores it (contract CreateConnectionIn): no backtick can slip into the SQL. */
const TABLE = /^[a-z][a-z0-9-]{4,28}[a-z0-9]\.\w{1,1024}\.[\w$*-]{1,1024}$/;

interface QueryResponse {
  jobComplete?: boolean;
  jobReference?: { projectId?: string; jobId?: string; location?: string };
  schema?: { fields?: { name: string; type: string }[] };
  rows?: { f?: { v?: unknown }[] }[];
  pageToken?: string;
}

/**
 * Daily cost per project, service and SKU from the standard billing export
 * (`gcp_billing_export_v1_*`), net of credits as budgets count it. `jobs.query` with named
 * parameters (the table name cannot be a parameter: it is validated instead), then
 * `jobs.getQueryResults` until the job is complete and every page is read.
 */
export async function billingDataset(c: GcpCall, query: DatasetQuery): Promise<Record<string, unknown>[]> {
  const table = c.billingExportTable;
  if (!table) throw new CloudProviderError('gcp', 'invalid', 'This connection names no billing export table: set billingExportTable (project.dataset.table of the BigQuery billing export) to read the billing dataset.');
  if (!TABLE.test(table)) throw new CloudProviderError('gcp', 'invalid', `The billing export table ${JSON.stringify(table)} is not project.dataset.table.`);
  const since = (query.since ?? new Date(c.now().getTime() - BILLING_DEFAULT_DAYS * DAY)).toISOString().slice(0, 10);
  const limit = query.limit ?? DEFAULT_LIMIT;
  const onlyProject = c.target.kind === 'project' ? c.target.id : null;
  const sql = [
    "SELECT FORMAT_DATE('%F', DATE(usage_start_time)) AS date, project.id AS project, service.description AS service, sku.description AS sku,",
    '  SUM(cost) + SUM(IFNULL((SELECT SUM(x.amount) FROM UNNEST(credits) AS x), 0)) AS cost, currency',
    `FROM \`${table}\``,
    `WHERE DATE(usage_start_time) >= @since${onlyProject ? ' AND project.id = @project' : ''}`,
    'GROUP BY date, project, service, sku, currency',
    'ORDER BY date, project, service, sku',
    'LIMIT @limit',
  ].join('\n');
  const jobProject = onlyProject ?? table.split('.')[0]!;
  const params = [
    { name: 'since', parameterType: { type: 'DATE' }, parameterValue: { value: since } },
    { name: 'limit', parameterType: { type: 'INT64' }, parameterValue: { value: String(limit) } },
    ...(onlyProject ? [{ name: 'project', parameterType: { type: 'STRING' }, parameterValue: { value: onlyProject } }] : []),
  ];
  const base = `https://bigquery.googleapis.com/bigquery/v2/projects/${jobProject}/queries`;
  let page = await c.api.call<QueryResponse>({
    method: 'POST',
    url: base,
    token: c.token,
    api: 'BigQuery jobs.query',
    body: { query: sql, useLegacySql: false, parameterMode: 'NAMED', queryParameters: params, maxResults: 10_000, timeoutMs: 30_000 },
  });
  const rows: Record<string, unknown>[] = [];
  let fields = page.schema?.fields;
  for (let n = 0; ; n++) {
    if (page.jobComplete !== false) {
      fields = page.schema?.fields ?? fields;
      for (const r of page.rows ?? []) rows.push(rowOf(fields ?? [], r));
      if (!page.pageToken || rows.length >= limit) return rows.slice(0, limit);
    }
    if (n >= c.api.maxPages) throw new CloudProviderError('gcp', 'unavailable', `BigQuery jobs.getQueryResults had more than ${c.api.maxPages} pages or did not complete; stopped.`);
    const job = page.jobReference;
    if (!job?.jobId) throw new CloudProviderError('gcp', 'unavailable', 'BigQuery did not finish the billing query and named no job to wait for.');
    page = await c.api.call<QueryResponse>({
      method: 'GET',
      url: `${base}/${job.jobId}`,
      token: c.token,
      api: 'BigQuery jobs.getQueryResults',
      query: { pageToken: page.jobComplete === false ? undefined : page.pageToken, location: job.location, maxResults: 10_000, timeoutMs: 30_000 },
    });
    page.jobReference ??= job;
  }
}

/** A BigQuery row (`{ f: [{ v }] }`, every value a string) typed by the schema. */
function rowOf(fields: { name: string; type: string }[], row: { f?: { v?: unknown }[] }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    const v = row.f?.[i]?.v ?? null;
    out[f.name] = v !== null && ['FLOAT', 'FLOAT64', 'NUMERIC', 'BIGNUMERIC', 'INTEGER', 'INT64'].includes(f.type) ? Number(v) : v;
  });
  return out;
}

interface LogEntry {
  logName?: string;
  timestamp?: string;
  severity?: string;
  resource?: { type?: string; labels?: Record<string, string> };
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  protoPayload?: { status?: { message?: string }; methodName?: string };
  trace?: string;
}

/** The label that names the emitting service, per monitored resource type. */
const SERVICE_LABEL: Record<string, string> = {
  k8s_container: 'container_name',
  cloud_run_revision: 'service_name',
  cloud_run_job: 'job_name',
  cloud_function: 'function_name',
  gae_app: 'module_id',
  gce_instance: 'instance_id',
};
/** The labels that locate an entry, per type, in the order the agents' `resource` string uses. */
const RESOURCE_LABELS: Record<string, string[]> = {
  k8s_container: ['cluster_name', 'namespace_name', 'pod_name'],
  cloud_run_revision: ['service_name', 'revision_name'],
  gce_instance: ['zone', 'instance_id'],
};

function logRow(e: LogEntry): Record<string, unknown> {
  const type = e.resource?.type ?? 'global';
  const labels = e.resource?.labels ?? {};
  const keys = RESOURCE_LABELS[type] ?? Object.keys(labels).filter((k) => k !== 'project_id').sort();
  const payload = e.jsonPayload;
  const message =
    e.textPayload ??
    (typeof payload?.['message'] === 'string' ? payload['message'] : undefined) ??
    e.protoPayload?.status?.message ??
    e.protoPayload?.methodName ??
    (payload ? JSON.stringify(payload) : '');
  const row: Record<string, unknown> = {
    timestamp: e.timestamp ? new Date(e.timestamp).toISOString() : null,
    severity: e.severity ?? 'DEFAULT',
    service: labels[SERVICE_LABEL[type] ?? ''] ?? decodeURIComponent(e.logName?.split('/logs/')[1] ?? type),
    resource: [type, ...keys.map((k) => labels[k] ?? '')].join('/'),
    message,
  };
  if (e.trace) row['trace'] = e.trace;
  return row;
}

/** Cloud Logging `entries:list` (logging/v2) over the target, newest first, `pageToken` in the body. */
export async function logsDataset(c: GcpCall, query: DatasetQuery): Promise<Record<string, unknown>[]> {
  const since = query.since ?? new Date(c.now().getTime() - LOGS_DEFAULT_HOURS * 3_600_000);
  const limit = query.limit ?? DEFAULT_LIMIT;
  const resourceNames = c.target.kind === 'organization' ? [`organizations/${c.target.id}`] : [`projects/${c.target.id}`];
  const rows: Record<string, unknown>[] = [];
  for await (const page of c.api.pages<{ entries?: LogEntry[]; nextPageToken?: string }>(
    {
      method: 'POST',
      url: 'https://logging.googleapis.com/v2/entries:list',
      token: c.token,
      api: 'Cloud Logging entries.list',
      body: { resourceNames, filter: `timestamp >= "${since.toISOString()}"`, orderBy: 'timestamp desc', pageSize: Math.min(1000, limit) },
    },
    { tokenIn: 'body' },
  )) {
    for (const e of page.entries ?? []) rows.push(logRow(e));
    if (rows.length >= limit) break;
  }
  return rows.slice(0, limit);
}
