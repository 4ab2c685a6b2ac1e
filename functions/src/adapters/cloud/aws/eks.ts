import type { Cluster } from '@aws-sdk/client-eks';
import type { CloudResource } from '@agent-marketplace/contract/cloud';
import { CloudProviderError, type CloudActionRequest } from '../../../app/cloud/ports.js';
import { clusterFetch, containerResourcesPatch, quantitiesOf, type ClusterTransport, type ContainerChange, type Deployment } from '../kubernetes.js';
import { acrossRegions, allPages, invalid, notFound, unsupported, type AwsCall } from './context.js';
import { scrub } from './errors.js';
import { eksToken } from './eksToken.js';

/**
 * EKS workloads (`k8s.workload`): clusters from the EKS API (ListClusters, DescribeCluster), then
 * each cluster's own Kubernetes API (`apps/v1` Deployments) with an EKS bearer token of the run's
 * credential. TLS to a control plane is verified against that cluster's CA only
 * (`certificateAuthority.data`), never the public roots. The workload shape is the GCP adapter's,
 * quantities parsed by the same functions, so the rightsizer reads both alike. The cluster's own
 * access entries (or aws-auth) decide what the role may do inside it: a 403 there says so.
 */

const eks = () => import('@aws-sdk/client-eks');

export const clusterArn = (region: string, account: string, name: string) => `arn:aws:eks:${region}:${account}:cluster/${name}`;
const WORKLOAD_ID = /^arn:aws:eks:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9][A-Za-z0-9_-]{0,99})\/namespaces\/([a-z0-9-]+)\/deployments\/([a-z0-9.-]+)$/;

function workloadResource(account: string, region: string, cluster: string, d: Deployment): CloudResource {
  const replicas = d.spec?.replicas ?? 1;
  const created = d.metadata.creationTimestamp ? new Date(d.metadata.creationTimestamp) : undefined;
  return {
    kind: 'k8s.workload',
    id: `${clusterArn(region, account, cluster)}/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}`,
    name: d.metadata.name,
    project: account,
    region,
    state: replicas === 0 ? 'scaled-to-zero' : 'running',
    labels: d.metadata.labels ?? {},
    attributes: {
      cluster,
      namespace: d.metadata.namespace,
      kind: 'Deployment',
      replicas,
      // Container usage is not read from Container Insights yet: the rightsizer skips a workload without it.
      containers: (d.spec?.template?.spec?.containers ?? []).map((x) => ({ name: x.name, requests: quantitiesOf(x.resources?.requests), limits: quantitiesOf(x.resources?.limits), usage: null })),
    },
    ...(created && !Number.isNaN(created.getTime()) ? { createdAt: created.toISOString() } : {}),
  };
}

/** A Kubernetes API answer that is not 2xx, in the platform's terms. */
function kubeError(status: number, cluster: string, what: string, body: string, secrets: readonly string[]): CloudProviderError {
  const said = scrub(body.slice(0, 300), secrets);
  const at = `Kubernetes ${what} on EKS cluster ${cluster}`;
  if (status === 401) return new CloudProviderError('aws', 'unauthenticated', `${at} refused the token (HTTP 401): the credential expired, or the cluster does not know the role. ${said}`.trim(), { providerCode: '401' });
  if (status === 403) {
    return new CloudProviderError('aws', 'permission_denied', `${at} was denied (HTTP 403): the cluster's access entries (or aws-auth) do not let the role do this. ${said}`.trim(), { providerCode: '403', permissions: [`kubernetes:${what}`] });
  }
  if (status === 404) return new CloudProviderError('aws', 'not_found', `${at}: not found. ${said}`.trim(), { providerCode: '404' });
  if (status === 429) return new CloudProviderError('aws', 'throttled', `${at} was throttled (HTTP 429).`, { providerCode: '429' });
  if (status >= 500) return new CloudProviderError('aws', 'unavailable', `${at} failed (HTTP ${status}). ${said}`.trim(), { providerCode: String(status) });
  return new CloudProviderError('aws', 'invalid', `${at} failed (HTTP ${status}). ${said}`.trim(), { providerCode: String(status) });
}

/** One cluster's Kubernetes API, authenticated and trusted as described above. */
class Kube {
  constructor(
    private readonly call: AwsCall,
    private readonly region: string,
    private readonly cluster: Cluster,
    private readonly transport: ClusterTransport,
  ) {}

  private base(): { base: string; via: typeof fetch } {
    const name = this.cluster.name as string;
    // Locally the stand-in serves every cluster under `<base>/<region>/k8s/<name>`, over plain HTTP.
    if (this.call.settings.endpointOverride) return { base: `${this.call.settings.endpointOverride.replace(/\/+$/, '')}/${this.region}/k8s/${name}`, via: fetch };
    const ca = Buffer.from(this.cluster.certificateAuthority?.data ?? '', 'base64').toString('utf8');
    if (!ca.includes('BEGIN CERTIFICATE')) throw new CloudProviderError('aws', 'unavailable', `EKS cluster ${name} answered no certificate authority: its API cannot be trusted.`);
    return { base: (this.cluster.endpoint as string).replace(/\/+$/, ''), via: this.transport(ca) };
  }

  async request<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const name = this.cluster.name as string;
    const token = await eksToken(this.call.identity, this.region, name, this.call.now());
    const { base, via } = this.base();
    const secrets = [...this.call.secrets, token];
    let res: Response;
    try {
      res = await via(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/strategic-merge-patch+json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new CloudProviderError('aws', 'unavailable', `Kubernetes ${what} on EKS cluster ${name} could not be reached: ${scrub(String((err as Error).message ?? err), secrets)}`);
    }
    const text = await res.text();
    if (!res.ok) throw kubeError(res.status, name, what, text, secrets);
    return JSON.parse(text) as T;
  }
}

async function clustersIn(call: AwsCall, region: string): Promise<Cluster[]> {
  const m = await eks();
  const client = new m.EKSClient(call.config('eks', region));
  const names = await allPages(async (token) => {
    const out = await call.run('eks:ListClusters', region, () => client.send(new m.ListClustersCommand({ maxResults: 100, ...(token ? { nextToken: token } : {}) })));
    return { items: out.clusters ?? [], next: out.nextToken };
  });
  return Promise.all(names.map((name) => describeCluster(call, region, name)));
}

async function describeCluster(call: AwsCall, region: string, name: string): Promise<Cluster> {
  const m = await eks();
  const client = new m.EKSClient(call.config('eks', region));
  const out = await call.run('eks:DescribeCluster', region, () => client.send(new m.DescribeClusterCommand({ name })));
  if (!out.cluster) throw notFound('k8s cluster', name);
  return out.cluster;
}

async function workloadsIn(call: AwsCall, region: string, transport: ClusterTransport): Promise<CloudResource[]> {
  const out: CloudResource[] = [];
  for (const cluster of await clustersIn(call, region)) {
    // A cluster being created, updated or deleted has no API to ask (or one about to go).
    if (cluster.status !== 'ACTIVE' || !cluster.endpoint || !cluster.name) continue;
    const kube = new Kube(call, region, cluster, transport);
    let cont: string | undefined;
    for (let page = 0; page < 100; page++) {
      const q = new URLSearchParams({ limit: '500', ...(cont ? { continue: cont } : {}) });
      const list = await kube.request<{ items?: Deployment[]; metadata?: { continue?: string } }>('GET', `/apis/apps/v1/deployments?${q.toString()}`, 'deployments.list');
      for (const d of list.items ?? []) out.push(workloadResource(call.account, region, cluster.name, d));
      cont = list.metadata?.continue || undefined;
      if (!cont) break;
    }
  }
  return out;
}

export const eksWorkloads = {
  list(call: AwsCall, regions: readonly string[], transport: ClusterTransport = clusterFetch): Promise<CloudResource[]> {
    return acrossRegions('k8s.workload', regions, (r) => workloadsIn(call, r, transport));
  },

  async act(call: AwsCall, action: CloudActionRequest, transport: ClusterTransport = clusterFetch): Promise<CloudResource> {
    if (action.verb !== 'update') throw unsupported('k8s.workload', action.verb, "it can update its containers' requests and limits");
    const m = WORKLOAD_ID.exec(action.resourceId);
    if (!m || m[2] !== call.account || !call.target.regions.includes(m[1] as string)) throw notFound('k8s.workload', action.resourceId);
    const [, region, , clusterName, namespace, name] = m as unknown as [string, string, string, string, string, string];
    const containers = (action.params.attributes?.['containers'] ?? []) as ContainerChange[];
    if (!Array.isArray(containers) || containers.length === 0 || containers.some((c) => typeof c?.name !== 'string')) throw invalid('An update of a k8s.workload names the containers whose requests and limits change.');
    const cluster = await describeCluster(call, region, clusterName);
    if (cluster.status !== 'ACTIVE' || !cluster.endpoint) throw new CloudProviderError('aws', 'unavailable', `EKS cluster ${clusterName} is ${cluster.status ?? 'not ready'}: its workloads cannot be changed now.`);
    const patch = containerResourcesPatch(containers);
    const after = await new Kube(call, region, cluster, transport).request<Deployment>('PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, 'deployments.patch', patch);
    return workloadResource(call.account, region, clusterName, after);
  },
};
