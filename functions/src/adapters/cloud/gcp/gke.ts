import type { CloudListFilter, CloudResource } from '@agent-marketplace/contract/cloud';
import type { CloudActionRequest } from '../../../app/cloud/ports.js';
import type { GcpCall, KindAdapter } from './context.js';
import { applyFilter, isoTime, parseId, regionOfZone, unsupported } from './context.js';
import { usageKey, workloadUsage, type ContainerUsage } from './gkeUsage.js';
import { containerResourcesPatch, quantitiesOf, type ContainerChange, type Deployment } from '../kubernetes.js';

/**
 * GKE workloads: clusters from the GKE API (container/v1 `locations/-/clusters`), then each
 * cluster's own Kubernetes API (`apps/v1` Deployments) with the same OAuth token (GKE accepts
 * Google access tokens). TLS to a control plane is verified against that cluster's CA only
 * (`masterAuth.clusterCaCertificate`), never the public roots: see `clusterFetch`.
 * A listing adds each container's observed usage from Cloud Monitoring (gkeUsage.ts); a `get`
 * does not: usage moves with every read, and an approval compares what `get` answers at
 * proposal and at apply time.
 */

interface Cluster {
  name: string;
  location?: string;
  endpoint?: string;
  status?: string;
  masterAuth?: { clusterCaCertificate?: string };
}

/** The Kubernetes API base of a cluster and the transport that trusts it. */
function kubeOf(c: GcpCall, cluster: Cluster): { base: string; via: typeof fetch | undefined } {
  // Locally the stand-in serves every cluster under `<apiRoot>/<endpoint>` over plain HTTP.
  if (c.apiRoot) return { base: `${c.apiRoot}/${cluster.endpoint}`, via: undefined };
  const ca = Buffer.from(cluster.masterAuth?.clusterCaCertificate ?? '', 'base64').toString('utf8');
  return { base: `https://${cluster.endpoint}`, via: c.clusterFetch(ca) };
}

async function clustersOf(c: GcpCall, project: string): Promise<Cluster[]> {
  const page = await c.api.call<{ clusters?: Cluster[]; missingZones?: string[] }>({
    method: 'GET',
    url: `https://container.googleapis.com/v1/projects/${project}/locations/-/clusters`,
    token: c.token,
    api: 'GKE clusters.list',
  });
  for (const z of page.missingZones ?? []) c.warn({ api: 'GKE clusters.list', scope: `projects/${project}/locations/${z}`, code: 'UNREACHABLE', message: `Clusters in ${z} could not be listed; the rest are kept.` });
  return page.clusters ?? [];
}

type UsageOf = (container: string) => (ContainerUsage & { days: number }) | undefined;

function workloadResource(project: string, cluster: Cluster, d: Deployment, usageOf: UsageOf = () => undefined): CloudResource {
  const location = cluster.location ?? 'unknown';
  const createdAt = isoTime(d.metadata.creationTimestamp);
  const replicas = d.spec?.replicas ?? 1;
  const containers = (d.spec?.template?.spec?.containers ?? []).map((x) => {
    const u = usageOf(x.name);
    const usage = u ? { cpuP95Millicores: u.cpuP95Millicores, memoryP99MiB: u.memoryP99MiB, memoryMaxMiB: u.memoryMaxMiB } : null;
    return { name: x.name, requests: quantitiesOf(x.resources?.requests), limits: quantitiesOf(x.resources?.limits), usage };
  });
  const days = (d.spec?.template?.spec?.containers ?? []).map((x) => usageOf(x.name)?.days).filter((n): n is number => n !== undefined);
  return {
    kind: 'k8s.workload',
    id: `projects/${project}/locations/${location}/clusters/${cluster.name}/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}`,
    name: d.metadata.name,
    project,
    region: /^[a-z]+-[a-z]+\d+-[a-z]$/.test(location) ? regionOfZone(location) : location,
    state: replicas === 0 ? 'scaled-to-zero' : 'running',
    labels: d.metadata.labels ?? {},
    attributes: {
      cluster: cluster.name,
      namespace: d.metadata.namespace,
      kind: 'Deployment',
      replicas,
      containers,
      // The shortest history among its containers: what the recommendation rests on.
      ...(days.length ? { usageWindowDays: Math.min(...days) } : {}),
    },
    ...(createdAt ? { createdAt } : {}),
  };
}

async function listWorkloads(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]> {
  const out: CloudResource[] = [];
  for (const project of await c.projects(filter)) {
    const [clusters, usage] = await Promise.all([clustersOf(c, project), workloadUsage(c, project)]);
    for (const cluster of clusters) {
      if (cluster.status !== 'RUNNING' || !cluster.endpoint) {
        c.warn({ api: 'GKE clusters.list', scope: `projects/${project}/clusters/${cluster.name}`, code: cluster.status ?? 'UNKNOWN', message: `Cluster ${cluster.name} is ${cluster.status ?? 'unknown'}: its workloads are not listed.` });
        continue;
      }
      const { base, via } = kubeOf(c, cluster);
      // Kubernetes paginates with `limit` and `metadata.continue`.
      for await (const page of c.api.pages<{ items?: Deployment[]; metadata?: { continue?: string } }>(
        { method: 'GET', url: `${base}/apis/apps/v1/deployments`, token: c.token, api: `Kubernetes deployments.list (${cluster.name})`, query: { limit: 500 }, ...(via ? { via } : {}) },
        { nextToken: (p) => p.metadata?.continue },
      )) {
        for (const d of page.items ?? []) {
          const usageOf: UsageOf = (container) => usage.get(usageKey(cluster.location ?? '', cluster.name, d.metadata.namespace, d.metadata.name, container));
          out.push(workloadResource(project, cluster, d, usageOf));
        }
      }
    }
  }
  return applyFilter(out, filter);
}

const WORKLOAD_ID = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/locations\/([a-z0-9-]+)\/clusters\/([a-z0-9-]+)\/namespaces\/([a-z0-9-]+)\/deployments\/([a-z0-9.-]+)$/;

function parseWorkloadId(id: string) {
  const [, project, location, cluster, namespace, name] = parseId('k8s.workload', id, WORKLOAD_ID, 'projects/p/locations/us-central1/clusters/prod/namespaces/shop/deployments/api');
  return { project: project!, location: location!, cluster: cluster!, namespace: namespace!, name: name! };
}

const clusterOf = (c: GcpCall, w: { project: string; location: string; cluster: string }) =>
  c.api.call<Cluster>({ method: 'GET', url: `https://container.googleapis.com/v1/projects/${w.project}/locations/${w.location}/clusters/${w.cluster}`, token: c.token, api: 'GKE clusters.get' });

/** One Deployment: `clusters.get` for the endpoint, then `deployments.get` on the cluster (no usage: see the top). */
async function getWorkload(c: GcpCall, id: string): Promise<CloudResource | null> {
  const w = parseWorkloadId(id);
  try {
    const cluster = await clusterOf(c, w);
    const { base, via } = kubeOf(c, cluster);
    const d = await c.api.call<Deployment>({
      method: 'GET',
      url: `${base}/apis/apps/v1/namespaces/${w.namespace}/deployments/${w.name}`,
      token: c.token,
      api: `Kubernetes deployments.get (${w.cluster})`,
      ...(via ? { via } : {}),
    });
    return workloadResource(w.project, cluster, d);
  } catch (e) {
    if ((e as { reason?: string }).reason === 'not_found') return null;
    throw e;
  }
}

async function actWorkload(c: GcpCall, action: CloudActionRequest): Promise<CloudResource> {
  if (action.verb !== 'update') throw unsupported(`The GCP adapter cannot ${action.verb} a k8s.workload; it can update its containers' requests and limits.`);
  const w = parseWorkloadId(action.resourceId);
  const { project, namespace, name } = w;
  const clusterName = w.cluster;
  const cluster = await clusterOf(c, w);
  const { base, via } = kubeOf(c, cluster);
  const containers = (action.params.attributes?.['containers'] ?? []) as ContainerChange[];
  const patch = containerResourcesPatch(containers);
  const after = await c.api.call<Deployment>({
    method: 'PATCH',
    url: `${base}/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
    token: c.token,
    api: `Kubernetes deployments.patch (${clusterName})`,
    body: patch,
    contentType: 'application/strategic-merge-patch+json',
    ...(via ? { via } : {}),
  });
  return workloadResource(project, cluster, after);
}

export const workloadKind: KindAdapter = { list: listWorkloads, get: getWorkload, act: actWorkload };
