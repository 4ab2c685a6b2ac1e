/**
 * A stand-in for Google Cloud's (and, in cloudStandInAws.ts, AWS's) APIs on the test and bench stacks (docs/cloud-connections.md
 * "Local stand-in"): no provider is reachable here, so the functions' real GCP adapter
 * (functions/src/adapters/cloud/gcp) is pointed at this server (CLOUD_API_ROOT), which answers
 * as Google documents for the calls a run makes: minting a token for a workspace's service
 * account, testIamPermissions, Compute Engine instances (list, get, stop, setLabels, operations)
 * and Cloud Monitoring. Each GCP project is a scenario a test programs through `/__standin`:
 * which permissions are granted, its VMs, how many calls a token answers, whether every call is
 * throttled, and (`expireTokens`) that every token issued so far expires now. Usage: node scripts/lib/cloudStandIn.ts <port>
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { handleAws } from './cloudStandInAws.ts';

interface Vm {
  name: string;
  zone: string;
  status: string;
  machineType: string;
  labels: Record<string, string>;
  creationTimestamp: string;
  cpuP95?: number;
}

interface Project {
  /** Permissions the workspace's service account holds on the project; null: every one asked. */
  granted: string[] | null;
  vms: Vm[];
  /** Each token answers this many calls, then 401 (an expired token mid-run). */
  tokenUses: number;
  /** Every call but token minting answers 429. */
  throttle: boolean;
}

const projects = new Map<string, Project>();
const tokens = new Map<string, { uses: number; project: string | null }>();
const calls: { at: string; method: string; path: string; status?: number }[] = [];
let fingerprint = 0;

const project = (id: string): Project => {
  let p = projects.get(id);
  if (!p) projects.set(id, (p = { granted: null, vms: [], tokenUses: 1_000_000, throttle: false }));
  return p;
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const call = (res as ServerResponse & { call?: { status?: number } }).call;
  if (call) call.status = status;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const googleError = (res: ServerResponse, code: number, status: string, message: string, extra: Record<string, string> = {}) =>
  send(res, code, { error: { code, status, message, details: [] } }, extra);

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function instanceJson(projectId: string, vm: Vm) {
  return {
    id: String(Math.abs([...vm.name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, 7))),
    name: vm.name,
    zone: `https://www.googleapis.com/compute/v1/projects/${projectId}/zones/${vm.zone}`,
    machineType: `https://www.googleapis.com/compute/v1/projects/${projectId}/zones/${vm.zone}/machineTypes/${vm.machineType}`,
    status: vm.status,
    labels: vm.labels,
    labelFingerprint: Buffer.from(String(fingerprint)).toString('base64'),
    creationTimestamp: vm.creationTimestamp,
    disks: [{ boot: true, diskSizeGb: '10' }],
  };
}

function doneOperation(projectId: string, zone: string, kind: string) {
  return { kind: 'compute#operation', name: `operation-${randomBytes(6).toString('hex')}`, zone: `https://www.googleapis.com/compute/v1/projects/${projectId}/zones/${zone}`, operationType: kind, status: 'DONE', progress: 100 };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://standin');
  const path = decodeURIComponent(url.pathname);
  const method = req.method ?? 'GET';
  if (path === '/health') return send(res, 200, { ok: true });
  // AWS (`/aws/<region>/<service>/` and `/__standin/aws/accounts/<account>`): scripts/lib/cloudStandInAws.ts.
  if (await handleAws(req, res, path, undefined, calls)) return;

  // The tests' controls.
  if (path.startsWith('/__standin/')) {
    if (path === '/__standin/calls') return send(res, 200, { calls });
    const m = /^\/__standin\/projects\/([^/]+)$/.exec(path);
    if (m && method === 'POST') {
      const p = project(m[1]!);
      const { expireTokens, ...scenario } = await body(req);
      // Every token issued so far stops working at once: a credential that expires mid-run.
      if (expireTokens === true) for (const t of tokens.values()) t.uses = Number.MAX_SAFE_INTEGER;
      Object.assign(p, scenario);
      return send(res, 200, p);
    }
    if (m && method === 'GET') return send(res, 200, project(m[1]!));
    return send(res, 404, { error: 'no such control' });
  }
  const call: { at: string; method: string; path: string; status?: number } = { at: new Date().toISOString(), method, path };
  calls.push(call);
  (res as ServerResponse & { call?: typeof call }).call = call;

  // IAM Credentials: the platform mints a token for a workspace's service account.
  let m = /^\/iamcredentials\.googleapis\.com\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(path);
  if (m && method === 'POST') {
    const input = await body(req);
    if (!Array.isArray(input['scope']) || (input['scope'] as unknown[]).length === 0) return googleError(res, 400, 'INVALID_ARGUMENT', 'scope is required');
    const token = `ya29.standin-${randomBytes(12).toString('hex')}`;
    tokens.set(token, { uses: 0, project: null });
    const seconds = Number(String(input['lifetime'] ?? '3600s').replace(/s$/, ''));
    return send(res, 200, { accessToken: token, expireTime: new Date(Date.now() + seconds * 1000).toISOString() });
  }
  // IAM: the workspace's service account and who may impersonate it (made once per workspace).
  if (/^\/iam\.googleapis\.com\/v1\/projects\/[^/]+\/serviceAccounts(\/[^/]+:setIamPolicy)?$/.test(path) && method === 'POST') {
    const input = await body(req);
    return send(res, 200, input['policy'] ?? { email: `${String(input['accountId'])}@standin.iam.gserviceaccount.com` });
  }

  // Everything else is called with a run's token, on a project.
  const projectId = /\/projects\/([^/:]+)/.exec(path)?.[1];
  if (!projectId) return googleError(res, 404, 'NOT_FOUND', `The stand-in does not serve ${method} ${path}.`);
  const p = project(projectId);
  if (p.throttle) return googleError(res, 429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric "Read requests" (stand-in).', { 'retry-after': '0' });
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const held = token ? tokens.get(token) : undefined;
  if (!held || held.uses >= p.tokenUses) return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
  held.uses += 1;

  m = /^\/cloudresourcemanager\.googleapis\.com\/v3\/projects\/([^/:]+):testIamPermissions$/.exec(path);
  if (m && method === 'POST') {
    const asked = ((await body(req))['permissions'] as string[] | undefined) ?? [];
    const granted = asked.filter((x) => p.granted === null || p.granted.includes(x));
    return send(res, 200, granted.length ? { permissions: granted } : {});
  }
  const allowed = (permission: string) => p.granted === null || p.granted.includes(permission);
  const denied = (permission: string) =>
    send(res, 403, {
      error: {
        code: 403,
        status: 'PERMISSION_DENIED',
        message: `Required '${permission}' permission for 'projects/${projectId}'`,
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission } }],
      },
    });

  if (path === `/compute.googleapis.com/compute/v1/projects/${projectId}/aggregated/instances` && method === 'GET') {
    if (!allowed('compute.instances.list')) return denied('compute.instances.list');
    const items: Record<string, unknown> = {};
    for (const vm of p.vms) ((items[`zones/${vm.zone}`] ??= { instances: [] }) as { instances: unknown[] }).instances.push(instanceJson(projectId, vm));
    return send(res, 200, { kind: 'compute#instanceAggregatedList', items });
  }
  m = /^\/compute\.googleapis\.com\/compute\/v1\/projects\/[^/]+\/zones\/([^/]+)\/machineTypes\/([^/]+)$/.exec(path);
  if (m) return allowed('compute.machineTypes.get') ? send(res, 200, { name: m[2], guestCpus: 2, memoryMb: 8192 }) : denied('compute.machineTypes.get');
  m = /^\/compute\.googleapis\.com\/compute\/v1\/projects\/[^/]+\/zones\/([^/]+)\/instances\/([^/]+?)(\/(stop|start|setLabels))?$/.exec(path);
  if (m) {
    const vm = p.vms.find((v) => v.zone === m![1] && v.name === m![2]);
    if (!vm) return googleError(res, 404, 'NOT_FOUND', `The resource 'projects/${projectId}/zones/${m[1]}/instances/${m[2]}' was not found`);
    const verb = m[4];
    if (!verb && method === 'GET') return allowed('compute.instances.get') ? send(res, 200, instanceJson(projectId, vm)) : denied('compute.instances.get');
    if (verb === 'stop' || verb === 'start') {
      if (!allowed(`compute.instances.${verb}`)) return denied(`compute.instances.${verb}`);
      vm.status = verb === 'stop' ? 'TERMINATED' : 'RUNNING';
      return send(res, 200, doneOperation(projectId, vm.zone, verb));
    }
    if (verb === 'setLabels') {
      if (!allowed('compute.instances.setLabels')) return denied('compute.instances.setLabels');
      vm.labels = ((await body(req))['labels'] as Record<string, string>) ?? {};
      fingerprint += 1;
      return send(res, 200, doneOperation(projectId, vm.zone, 'setLabels'));
    }
  }
  if (/\/zones\/[^/]+\/operations\/[^/]+(\/wait)?$/.test(path)) return send(res, 200, { status: 'DONE', name: path.split('/').at(-2) });
  if (path === `/monitoring.googleapis.com/v3/projects/${projectId}/timeSeries`) {
    if (!allowed('monitoring.timeSeries.list')) return denied('monitoring.timeSeries.list');
    const metric = /metric\.type\s*=\s*"([^"]+)"/.exec(url.searchParams.get('filter') ?? '')?.[1] ?? '';
    const cpu = metric.endsWith('cpu/utilization');
    const timeSeries = p.vms
      .filter((v) => v.cpuP95 !== undefined)
      .map((v) => ({
        metric: { type: metric, labels: { instance_name: v.name } },
        resource: { type: 'gce_instance', labels: { project_id: projectId, zone: v.zone, instance_id: instanceJson(projectId, v).id } },
        points: [{ value: { doubleValue: cpu ? v.cpuP95! / 100 : 1000 } }],
      }));
    return send(res, 200, { timeSeries });
  }
  return googleError(res, 404, 'NOT_FOUND', `The stand-in does not serve ${method} ${path}.`);
}

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node scripts/lib/cloudStandIn.ts <port>');
  process.exit(2);
}
createServer((req, res) => {
  handle(req, res).catch((err: unknown) => send(res, 500, { error: { code: 500, status: 'INTERNAL', message: String(err) } }));
}).listen(port, '127.0.0.1', () => console.log(`cloud stand-in on http://127.0.0.1:${port}`));
