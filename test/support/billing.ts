import { expect } from 'vitest';
import { call } from './http.ts';
import { urls } from './stack.ts';
import type { TestWorkspace } from './users.ts';

/** Billing on the local stand-in (functions/src/adapters/billing/localProvider.ts): its hosted pages, followed as a browser would. */

/** Follows a hosted page's form: GET the page, POST its action (no redirect followed); the redirect target. */
export async function submit(pageUrl: string, action: string): Promise<string> {
  const page = await fetch(pageUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`action="${action}"`);
  const res = await fetch(action, { method: 'POST', redirect: 'manual' });
  expect(res.status).toBe(303);
  return res.headers.get('location')!;
}

export const billingApi = (ws: TestWorkspace, method: string, p: string, body?: unknown) => call(method, `/workspaces/${ws.id}${p}`, { token: ws.owner.idToken, body });

export async function checkout(ws: TestWorkspace, plan: 'team' | 'enterprise') {
  const started = await billingApi(ws, 'POST', '/billing/checkout', { plan });
  expect(started.status).toBe(201);
  const redirect = await submit(started.body.url, `${started.body.url}/complete`);
  expect(redirect).toBe(`${urls.web}/workspaces/${ws.id}/billing?checkout=complete`);
  return (await billingApi(ws, 'GET', '/billing/account')).body as { plan: string; status: string; customerId: string; subscriptionId: string };
}

