import { isPaid, standingOf } from '../../domain/billingAccount.js';
import type { PaidPricing } from '../../domain/billingCatalog.js';
import type { Deps } from '../deps.js';
import { everyItem } from '../shared/paging.js';

type ItemDeps = Pick<Deps, 'billing' | 'workspaces' | 'installs' | 'catalog'>;

/** Installs that bill through the subscription: deployed (active or paused). */
const BILLED_STATES = new Set(['active', 'paused']);

/**
 * Brings the workspace's subscription in line with its paid installs: each deployed install of
 * a paid agent has one item at its version's price (monthly, or metered), and no other install
 * has one. Idempotent: an item's idempotency key is its subscription, install and price, so a
 * repeated or concurrent sync adds nothing twice. Without a live subscription there is nothing
 * to do: the first subscription's webhook syncs it.
 */
export async function syncAgentItems(deps: ItemDeps, wsId: string): Promise<{ added: number; removed: number }> {
  const workspace = await deps.workspaces.get(wsId);
  const subscriptionId = (workspace?.billing as { subscriptionId?: string | null } | undefined)?.subscriptionId;
  if (!subscriptionId) return { added: 0, removed: 0 };
  const subscription = await deps.billing.retrieveSubscription(subscriptionId);
  if (standingOf(subscription.status) === 'canceled') return { added: 0, removed: 0 };

  const wanted = new Map<string, { priceId: string; agentId: string }>();
  for (const install of await everyItem((page) => deps.installs.list(wsId, page))) {
    if (!BILLED_STATES.has(install.state)) continue;
    const manifest = await deps.catalog.getVersion(install.agentId, install.version);
    if (!manifest || !isPaid(manifest.pricing)) continue;
    const priceId = await deps.billing.agentPrice(install.agentId, manifest.name, manifest.pricing as PaidPricing);
    wanted.set(install.id, { priceId, agentId: install.agentId });
  }

  let added = 0;
  let removed = 0;
  const have = new Set<string>();
  for (const item of subscription.items) {
    const installId = item.metadata['installId'];
    if (!installId) continue; // the plan's own item
    const want = wanted.get(installId);
    if (want && want.priceId === item.priceId && !have.has(installId)) {
      have.add(installId);
      continue;
    }
    await deps.billing.removeSubscriptionItem(item.id);
    removed += 1;
  }
  for (const [installId, want] of wanted) {
    if (have.has(installId)) continue;
    await deps.billing.addSubscriptionItem(
      { subscriptionId, priceId: want.priceId, metadata: { wsId, installId, agentId: want.agentId } },
      `subitem:${subscriptionId}:${installId}:${want.priceId}`,
    );
    added += 1;
  }
  return { added, removed };
}

/**
 * After an install's lifecycle change (deploy, upgrade, uninstall) of a paid agent. The change
 * itself has committed, so a provider failure is logged, not thrown: the next sync (any
 * subscription event, deploy or uninstall in the workspace) repairs the items.
 */
export async function syncAgentItemsAfterChange(deps: ItemDeps, wsId: string): Promise<void> {
  try {
    await syncAgentItems(deps, wsId);
  } catch (err) {
    console.error(JSON.stringify({ severity: 'ERROR', message: 'syncAgentItems failed', wsId, error: String((err as Error).message ?? err) }));
  }
}
