import type { BillingAccount, HostedPage, PaidPlan } from '@agent-marketplace/contract/billingAccount';
import { AppError, notFound } from '../../domain/errors.js';
import type { Workspace } from '../../domain/models.js';
import type { Deps } from '../deps.js';

/**
 * The workspace's billing account: its plan and standing, buying a plan through the provider's
 * hosted checkout, and the provider's billing portal. The plan itself changes only when the
 * provider says the subscription is paid (app/billing/providerEvents.ts).
 */
type AccountDeps = Pick<Deps, 'billing' | 'billingAccounts' | 'workspaces' | 'clock' | 'billingConfig'>;

type Billing = NonNullable<Workspace['billing']> & { subscriptionId?: string | null };

async function workspaceOf(deps: Pick<Deps, 'workspaces'>, wsId: string): Promise<Workspace & { billing?: Billing }> {
  const ws = await deps.workspaces.get(wsId);
  if (!ws) throw notFound('Workspace', 'workspace_not_found');
  return ws;
}

export async function getBillingAccount(deps: Pick<Deps, 'workspaces'>, wsId: string): Promise<BillingAccount> {
  const ws = await workspaceOf(deps, wsId);
  return { plan: ws.plan, status: ws.billing?.status ?? 'active', customerId: ws.billing?.customerId ?? null, subscriptionId: ws.billing?.subscriptionId ?? null };
}

/** The workspace's customer at the provider, created once (the key is the workspace's id). */
async function customerOf(deps: AccountDeps, ws: Workspace & { billing?: Billing }): Promise<string> {
  if (ws.billing?.customerId) return ws.billing.customerId;
  const customer = await deps.billing.createCustomer({ wsId: ws.id, name: ws.name }, `customer:${ws.id}`);
  await deps.billingAccounts.upsertMirror('customers', customer, deps.clock.now());
  await deps.billingAccounts.setCustomer(ws.id, customer.id);
  return customer.id;
}

const billingPage = (deps: AccountDeps, wsId: string, outcome: string) => `${deps.billingConfig.appUrl}/workspaces/${encodeURIComponent(wsId)}/billing?${outcome}`;

/** A hosted checkout for a plan. A workspace with a live subscription changes it in the portal instead. */
export async function startPlanCheckout(deps: AccountDeps, wsId: string, plan: PaidPlan, creationId: string): Promise<HostedPage> {
  const ws = await workspaceOf(deps, wsId);
  if (ws.billing?.subscriptionId && ws.billing.status !== 'canceled') {
    throw new AppError('conflict', 'subscription_exists', `This workspace already has a subscription (plan ${ws.plan}). Change or cancel it in the billing portal.`);
  }
  const customerId = await customerOf(deps, ws);
  const session = await deps.billing.createCheckoutSession(
    { wsId, customerId, plan, successUrl: billingPage(deps, wsId, 'checkout=complete'), cancelUrl: billingPage(deps, wsId, 'checkout=canceled') },
    `checkout:${wsId}:${creationId}`,
  );
  await deps.billingAccounts.upsertMirror('checkoutSessions', session, deps.clock.now());
  if (!session.url) throw new AppError('unavailable', 'billing_unavailable', 'The billing provider gave no checkout page; try again.');
  return { id: session.id, url: session.url };
}

export async function openBillingPortal(deps: AccountDeps, wsId: string, creationId: string): Promise<HostedPage> {
  const ws = await workspaceOf(deps, wsId);
  if (!ws.billing?.customerId) throw new AppError('conflict', 'no_billing_customer', 'This workspace has not bought anything yet: start a plan checkout first.');
  return deps.billing.createPortalSession({ customerId: ws.billing.customerId, returnUrl: billingPage(deps, wsId, 'portal=closed') }, `portal:${wsId}:${creationId}`);
}
