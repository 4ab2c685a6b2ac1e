import { expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { urls } from './stack.ts';

/** The test stack's stand-in for Google's APIs (scripts/lib/cloudStandIn.ts): one scenario per GCP project. */
export interface StandInProject {
  granted?: string[] | null;
  vms?: { name: string; zone: string; status: string; machineType: string; labels: Record<string, string>; creationTimestamp: string; cpuP95?: number }[];
  tokenUses?: number;
  throttle?: boolean;
  /** Every token issued so far expires now. */
  expireTokens?: boolean;
}

/** A fresh GCP project id for one test (6–30 characters). */
export const newGcpProject = () => `proj-${randomUUID().slice(0, 8)}`;

export async function standInProject(id: string, scenario: StandInProject): Promise<void> {
  const res = await fetch(`${urls.cloudStandIn}/__standin/projects/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario) });
  expect(res.status).toBe(200);
}

export async function standInVms(id: string): Promise<{ name: string; status: string }[]> {
  return ((await (await fetch(`${urls.cloudStandIn}/__standin/projects/${id}`)).json()) as { vms: { name: string; status: string }[] }).vms;
}

/** The calls the stand-in answered (not its controls), oldest first. */
export async function standInCalls(): Promise<{ method: string; path: string; status?: number }[]> {
  return ((await (await fetch(`${urls.cloudStandIn}/__standin/calls`)).json()) as { calls: { method: string; path: string; status?: number }[] }).calls;
}

/** An AWS account on the stand-in (scripts/lib/cloudStandInAws.ts): the external id its role requires, what it grants, its VMs. */
export interface StandInAwsAccount {
  externalId?: string | null;
  granted?: string[] | null;
  vms?: { id: string; region: string; state: string; type: string; tags: Record<string, string>; cpuP95?: number; networkBytesP95?: number }[];
  credentialUses?: number;
  throttle?: boolean;
}

/** A fresh 12-digit AWS account id for one test. */
export const newAwsAccount = () => String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));

export async function standInAwsAccount(id: string, scenario: StandInAwsAccount): Promise<{ vms: { id: string; state: string }[]; assumed: { policy: string | null }[] }> {
  const res = await fetch(`${urls.cloudStandIn}/__standin/aws/accounts/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario) });
  expect(res.status).toBe(200);
  return (await res.json()) as { vms: { id: string; state: string }[]; assumed: { policy: string | null }[] };
}

export async function standInAwsState(id: string): Promise<{ vms: { id: string; state: string }[]; assumed: { policy: string | null }[] }> {
  return (await (await fetch(`${urls.cloudStandIn}/__standin/aws/accounts/${id}`)).json()) as { vms: { id: string; state: string }[]; assumed: { policy: string | null }[] };
}
