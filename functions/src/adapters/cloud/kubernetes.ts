import https from 'node:https';

/**
 * What the GKE and EKS adapters share of the Kubernetes API: Deployments as `apps/v1` answers
 * them, resource quantities in the units the agents read (millicores, MiB), the strategic merge
 * patch that changes containers' requests and limits, and a transport that trusts one
 * cluster's CA. The two providers differ only in how a cluster is found and authenticated.
 */

export interface Quantities {
  cpu?: string;
  memory?: string;
}

export interface Deployment {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; creationTimestamp?: string };
  spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; resources?: { requests?: Quantities; limits?: Quantities } }[] } } };
  status?: { availableReplicas?: number };
}

/** A Kubernetes CPU quantity (`500m`, `1`, `0.25`) in millicores. */
export function cpuMillicores(q: string | undefined): number | undefined {
  if (!q) return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  if (!m) return undefined;
  return m[2] ? Math.round(Number(m[1])) : Math.round(Number(m[1]) * 1000);
}

const MEMORY_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes memory quantity (`512Mi`, `1Gi`, `1G`, `1048576`) in MiB. */
export function memoryMiB(q: string | undefined): number | undefined {
  if (!q) return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q.trim());
  if (!m) return undefined;
  return Math.round((Number(m[1]) * MEMORY_UNITS[m[2] ?? '']!) / 2 ** 20);
}

/** Requests or limits as the agents read them: `{cpuMillicores, memoryMiB}`, each only when set. */
export function quantitiesOf(q: Quantities | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const cpu = cpuMillicores(q?.cpu);
  const mem = memoryMiB(q?.memory);
  if (cpu !== undefined) out['cpuMillicores'] = cpu;
  if (mem !== undefined) out['memoryMiB'] = mem;
  return out;
}

/** A container's new requests and limits, as the `update` action's `attributes.containers` gives them. */
export interface ContainerChange {
  name: string;
  requests?: { cpuMillicores?: number; memoryMiB?: number };
  limits?: { cpuMillicores?: number; memoryMiB?: number };
}

const toQuantities = (q: ContainerChange['requests']) => ({
  ...(q?.cpuMillicores !== undefined ? { cpu: `${q.cpuMillicores}m` } : {}),
  ...(q?.memoryMiB !== undefined ? { memory: `${q.memoryMiB}Mi` } : {}),
});

/** A strategic merge patch of a Deployment: containers merge by name, so only the named containers' resources change. */
export const containerResourcesPatch = (containers: readonly ContainerChange[]) => ({
  spec: { template: { spec: { containers: containers.map((x) => ({ name: x.name, resources: { requests: toQuantities(x.requests), limits: toQuantities(x.limits) } })) } } },
});

/** How an adapter reaches a control plane: the real one over TLS with its CA, or the stand-in. */
export type ClusterTransport = (caPem: string) => typeof fetch;

/**
 * A fetch to one control plane over node:https with `ca` set to the cluster's CA: the
 * certificate chain and the host name (the endpoint IP, in the certificate's SANs) are
 * checked by Node as usual, against that CA alone.
 */
export function clusterFetch(caPem: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    return await new Promise<Response>((resolve, reject) => {
      const req = https.request(url, { method: init?.method ?? 'GET', headers, ca: caPem, rejectUnauthorized: true }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') } })));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (typeof init?.body === 'string') req.write(init.body);
      req.end();
    });
  }) as typeof fetch;
}
