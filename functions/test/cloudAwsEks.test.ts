import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClusterTransport } from '../src/adapters/cloud/kubernetes.ts';
import { eksToken } from '../src/adapters/cloud/aws/eksToken.ts';
import { json, RecordingHandler, type RecordedReply, type RecordedRequest } from '../src/adapters/cloud/aws/recordedHandler.ts';
import { AwsCloud } from '../src/adapters/cloud/aws/awsCloud.ts';
import { ACCOUNT, broker, credential, SECRET, target, TOKEN, unexpected } from './cloudAwsSupport.ts';

/** k8s.workload on EKS: the EKS API, the bearer token, and each cluster's Kubernetes API trusted by its own CA. */

const NOW = new Date('2026-11-20T12:00:00Z');
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBstandinCAforprod\n-----END CERTIFICATE-----\n';
const oneRegion = { ...target, regions: ['us-east-1'] };

function eksAnswer(r: RecordedRequest): RecordedReply {
  if (r.operation === 'eks:GET /clusters') return json({ clusters: r.query['nextToken'] ? ['dev'] : ['prod'], ...(r.query['nextToken'] ? {} : { nextToken: 'n2' }) }, 200, 'application/json');
  const m = /^eks:GET \/clusters\/([^/?]+)$/.exec(r.operation);
  if (m) {
    const name = m[1];
    return json(
      {
        cluster: {
          name,
          arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/${name}`,
          status: name === 'prod' ? 'ACTIVE' : 'CREATING',
          ...(name === 'prod' ? { endpoint: 'https://A0DCCD80A04F01705DD0.gr7.us-east-1.eks.amazonaws.com', certificateAuthority: { data: Buffer.from(CA_PEM).toString('base64') } } : {}),
        },
      },
      200,
      'application/json',
    );
  }
  return unexpected(r);
}

const deployment = (name: string, cpu: string, memory: string) => ({
  metadata: { name, namespace: 'shop', labels: { app: name }, creationTimestamp: '2026-03-01T00:00:00Z' },
  spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', resources: { requests: { cpu, memory }, limits: { memory: '1Gi' } } }] } } },
});

interface KubeCall {
  ca: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A stand-in transport: records which CA each request trusts and answers as the Kubernetes API. */
function kubeTransport(answer: (c: KubeCall) => { status: number; body: unknown }) {
  const calls: KubeCall[] = [];
  const transport: ClusterTransport = (ca) =>
    (async (input: string | URL | Request, init?: RequestInit) => {
      const c: KubeCall = { ca, url: String(input), method: init?.method ?? 'GET', headers: Object.fromEntries(new Headers(init?.headers).entries()), body: init?.body as string | undefined };
      calls.push(c);
      const a = answer(c);
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
  return { calls, transport };
}

function cloudWith(kube: ReturnType<typeof kubeTransport>) {
  const handler = new RecordingHandler(eksAnswer);
  return { handler, cloud: new AwsCloud({ brokerCredentials: broker, requestHandler: handler, random: () => 0, now: () => NOW, clusterTransport: kube.transport }) };
}

/** SigV4 of a presigned GET recomputed from AWS's documented algorithm, independently of the SDK. */
function expectedSignature(url: URL, secret: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature');
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = params
    .map(([k, v]) => [enc(k), enc(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const cluster = 'prod';
  const canonical = ['GET', '/', canonicalQuery, `host:${url.host}\nx-k8s-aws-id:${cluster}\n`, 'host;x-k8s-aws-id', createHash('sha256').update('').digest('hex')].join('\n');
  const date = url.searchParams.get('X-Amz-Date') as string;
  const scope = `${date.slice(0, 8)}/us-east-1/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date.slice(0, 8)).digest();
  for (const part of ['us-east-1', 'sts', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('the EKS bearer token', () => {
  it('is k8s-aws-v1. + base64url of a presigned STS GetCallerIdentity URL, 60 s, signing the x-k8s-aws-id header', async () => {
    const token = await eksToken({ accessKeyId: 'ASIARUNCREDENTIAL01', secretAccessKey: SECRET, sessionToken: TOKEN }, 'us-east-1', 'prod', NOW);
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    expect(url.origin).toBe('https://sts.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'ASIARUNCREDENTIAL01/20261120/us-east-1/sts/aws4_request',
      'X-Amz-Date': '20261120T120000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': TOKEN,
    });
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, SECRET));
    // The secret key itself is in no part of the token.
    expect(Buffer.from(token.slice(11), 'base64url').toString('utf8')).not.toContain(SECRET);
  });
});

describe('k8s.workload: EKS clusters and their Deployments', () => {
  it("lists Deployments of each ACTIVE cluster over its API, with a fresh token, trusting only the cluster's CA", async () => {
    const kube = kubeTransport((c) =>
      c.url.includes('continue=')
        ? { status: 200, body: { items: [deployment('web', '250m', '256Mi')] } }
        : { status: 200, body: { items: [deployment('api', '1', '512Mi')], metadata: { continue: 'c2' } } },
    );
    const { handler, cloud } = cloudWith(kube);
    const workloads = await cloud.list(oneRegion, credential, 'k8s.workload', {});
    expect(handler.requests.map((r) => r.operation)).toEqual(['eks:GET /clusters', 'eks:GET /clusters', 'eks:GET /clusters/prod', 'eks:GET /clusters/dev']);
    expect(handler.requests[0]?.hostname).toBe('eks.us-east-1.amazonaws.com');
    expect(handler.requests[0]?.query).toMatchObject({ maxResults: '100' });
    // The CREATING cluster has no API to ask.
    expect(kube.calls.map((c) => [c.method, c.url])).toEqual([
      ['GET', 'https://A0DCCD80A04F01705DD0.gr7.us-east-1.eks.amazonaws.com/apis/apps/v1/deployments?limit=500'],
      ['GET', 'https://A0DCCD80A04F01705DD0.gr7.us-east-1.eks.amazonaws.com/apis/apps/v1/deployments?limit=500&continue=c2'],
    ]);
    expect(kube.calls.every((c) => c.ca === CA_PEM && /^Bearer k8s-aws-v1\./.test(c.headers['authorization'] ?? ''))).toBe(true);
    expect(workloads[0]).toEqual({
      kind: 'k8s.workload',
      id: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod/namespaces/shop/deployments/api`,
      name: 'api',
      project: ACCOUNT,
      region: 'us-east-1',
      state: 'running',
      labels: { app: 'api' },
      attributes: {
        cluster: 'prod',
        namespace: 'shop',
        kind: 'Deployment',
        replicas: 3,
        containers: [{ name: 'app', requests: { cpuMillicores: 1000, memoryMiB: 512 }, limits: { memoryMiB: 1024 }, usage: null }],
      },
      createdAt: '2026-03-01T00:00:00.000Z',
    });
    expect(workloads.map((w) => w.name)).toEqual(['api', 'web']);
  });

  it('update: a strategic-merge patch of the named containers’ resources, answering the Deployment after it', async () => {
    const kube = kubeTransport(() => ({ status: 200, body: deployment('api', '300m', '384Mi') }));
    const { cloud } = cloudWith(kube);
    const after = await cloud.act(oneRegion, credential, {
      kind: 'k8s.workload',
      verb: 'update',
      resourceId: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod/namespaces/shop/deployments/api`,
      params: { attributes: { containers: [{ name: 'app', requests: { cpuMillicores: 300, memoryMiB: 384 }, limits: { memoryMiB: 1024 } }] } },
    });
    const [patch] = kube.calls;
    expect(patch?.method).toBe('PATCH');
    expect(patch?.url).toBe('https://A0DCCD80A04F01705DD0.gr7.us-east-1.eks.amazonaws.com/apis/apps/v1/namespaces/shop/deployments/api');
    expect(patch?.headers['content-type']).toBe('application/strategic-merge-patch+json');
    expect(JSON.parse(patch?.body ?? '')).toEqual({ spec: { template: { spec: { containers: [{ name: 'app', resources: { requests: { cpu: '300m', memory: '384Mi' }, limits: { memory: '1024Mi' } } }] } } } });
    expect(after.attributes['containers']).toEqual([{ name: 'app', requests: { cpuMillicores: 300, memoryMiB: 384 }, limits: { memoryMiB: 1024 }, usage: null }]);
  });

  it("says the cluster's RBAC refused (403) without the token in the message; another account's workload is not found without any call", async () => {
    const kube = kubeTransport(() => ({ status: 403, body: { kind: 'Status', message: 'deployments.apps is forbidden: User "am-run" cannot list resource "deployments"', code: 403 } }));
    const { handler, cloud } = cloudWith(kube);
    const err = (await cloud.list(oneRegion, credential, 'k8s.workload', {}).catch((e: unknown) => e)) as { reason: string; message: string };
    expect(err.reason).toBe('permission_denied');
    expect(err.message).toMatch(/access entries \(or aws-auth\) do not let the role/);
    expect(err.message).not.toContain('k8s-aws-v1');
    handler.clear();
    await expect(
      cloud.act(oneRegion, credential, { kind: 'k8s.workload', verb: 'update', resourceId: 'arn:aws:eks:us-east-1:999999999999:cluster/prod/namespaces/shop/deployments/api', params: { attributes: { containers: [{ name: 'app' }] } } }),
    ).rejects.toMatchObject({ reason: 'not_found' });
    expect(handler.requests).toHaveLength(0);
  });
});
