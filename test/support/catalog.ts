import { randomBytes } from 'node:crypto';
import './admin.ts';
import { FirestoreCatalogStore } from '../../functions/src/adapters/firestore/catalog.ts';
import { listingOf, parseManifest } from '../../functions/src/app/catalog/publishAgent.ts';
import { adminDb } from './admin.ts';

export const catalogStore = new FirestoreCatalogStore();

export interface SyntheticAgent {
  id: string;
  name: string;
  categories?: string[];
  tags?: string[];
  pricing?: string;
  summary?: string;
  installCount?: number;
  ratingAvg?: number;
  publishedAt?: Date;
  state?: 'published' | 'draft' | 'suspended';
}

export const uniqueWord = () => `q${randomBytes(4).toString('hex')}`;

export function yamlFor(a: SyntheticAgent, publisher: string): string {
  const pricing =
    a.pricing === 'per_unit'
      ? 'model: per_unit\n  amountCents: 3\n  unit: item'
      : a.pricing && a.pricing !== 'free'
        ? `model: ${a.pricing}\n  amountCents: 500`
        : 'model: free';
  return `id: ${a.id}
name: ${a.name}
version: 1.0.0
publisher: ${publisher}
summary: ${a.summary ?? `${a.name} does useful cloud work for tests.`}
categories: [${(a.categories ?? ['operations']).join(', ')}]
tags: [${(a.tags ?? []).join(', ')}]
runtime:
  local:
    entry: src/index.ts
permissions:
  - scope: vm.list
    risk: low
    reason: Read VMs.
  - scope: vm.stop
    risk: high
    reason: Stop idle VMs.
approvals:
  - action: vm.stop
    description: Stop a VM
    risk: high
secrets:
  - name: SLACK_WEBHOOK_URL
    description: Where to post findings
    required: false
pricing:
  ${pricing}
license: MIT
support:
  email: dev@example.test
releaseNotes: First release.
`;
}

/** Publishes synthetic agents through the real adapter, then sets marketplace counters directly. */
export async function publishSynthetic(publisher: string, agents: SyntheticAgent[]): Promise<void> {
  for (const a of agents) {
    const yaml = yamlFor(a, publisher);
    const manifest = parseManifest(yaml);
    const listing = listingOf(manifest, a.publishedAt ?? new Date());
    await catalogStore.publish(listing, manifest, yaml);
    await adminDb.doc(`agents/${a.id}`).update({
      installCount: a.installCount ?? 0,
      ratingAvg: a.ratingAvg ?? 0,
      ratingCount: a.ratingAvg ? 10 : 0,
      ratingSum: Math.round((a.ratingAvg ?? 0) * 10),
      state: a.state ?? 'published',
      ...(a.publishedAt ? { publishedAt: a.publishedAt } : {}),
    });
  }
}

/** Publishes a hand-written agent.yaml through the real parse and publish path. */
export async function publishYaml(yaml: string): Promise<void> {
  const manifest = parseManifest(yaml);
  await catalogStore.publish(listingOf(manifest, new Date()), manifest, yaml);
}
