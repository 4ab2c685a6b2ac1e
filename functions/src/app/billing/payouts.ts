import type { HostedPage } from '@agent-marketplace/contract/billingAccount';
import type { Earnings, Payout } from '@agent-marketplace/contract/invoices';
import { AppError, notFound } from '../../domain/errors.js';
import { money } from '../../domain/money.js';
import { balancesOf, payoutSelection, sourceLineOf, type RevenueEntry } from '../../domain/revenueShare.js';
import type { Deps } from '../deps.js';
import { sha256 } from '../shared/credentials.js';
import type { Page, PageRequest } from '../shared/paging.js';
import type { Principal } from '../shared/principal.js';
import type { PayoutRecord, PublisherBilling } from './ports.js';

/**
 * Publishers' earnings and payouts (docs/billing.md "Payouts"): onboarding to Connect, the
 * sweep that pays settled balances above the minimum, and the history. Only a publisher's
 * owners (`publishers/{id}.ownerUids`) see or act for it; to anyone else it does not exist.
 */
type PayoutDeps = Pick<Deps, 'earnings' | 'billing' | 'billingAccounts' | 'billingConfig' | 'payoutConfig' | 'clock'>;

export async function publisherOwnedBy(deps: Pick<Deps, 'earnings'>, principal: Principal | null, publisherId: string): Promise<PublisherBilling> {
  const publisher = await deps.earnings.publisher(publisherId);
  if (!publisher || principal?.kind !== 'user' || !publisher.ownerUids.includes(principal.uid)) throw notFound('Publisher', 'publisher_not_found');
  return publisher;
}

const newestFirst = (a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export async function publisherEarnings(deps: PayoutDeps, principal: Principal | null, publisherId: string, page: PageRequest): Promise<Earnings> {
  const publisher = await publisherOwnedBy(deps, principal, publisherId);
  // All entries are read for the balances: fine while a publisher has thousands, not millions (docs/billing.md).
  const entries = (await deps.earnings.entriesOf(publisherId)).sort(newestFirst);
  const { settled, pending, paidOut } = balancesOf(entries, deps.clock.now());
  let start = 0;
  if (page.cursor) {
    start = entries.findIndex((e) => e.id === page.cursor) + 1;
    if (start === 0) throw new AppError('invalid', 'invalid_cursor', 'The pagination cursor is malformed or from another listing.');
  }
  const items = entries.slice(start, start + page.limit);
  return {
    publisherId,
    shareBps: publisher.shareBps ?? deps.payoutConfig.publisherShareBps,
    settled,
    pending,
    paidOut,
    payoutMinimum: money(deps.payoutConfig.minimumMinor),
    payoutAccount: publisher.payoutAccount ? { detailsSubmitted: publisher.payoutAccount.detailsSubmitted, payoutsEnabled: publisher.payoutAccount.payoutsEnabled } : null,
    entries: items.map((e) => ({ ...entryOut(e) })),
    nextCursor: start + page.limit < entries.length ? (items.at(-1)?.id ?? null) : null,
  };
}

const entryOut = (e: RevenueEntry) => ({
  id: e.id,
  kind: e.kind,
  agentId: e.agentId,
  invoiceId: e.invoiceId,
  sourceLineId: sourceLineOf(e),
  reverses: e.reverses,
  gross: e.gross,
  publisherShare: e.publisherShare,
  platformShare: e.platformShare,
  shareBps: e.shareBps,
  createdAt: e.createdAt.toISOString(),
  settlesAt: e.settlesAt.toISOString(),
  payoutId: e.payoutId,
});

const payoutOut = (p: PayoutRecord): Payout => ({
  id: p.id,
  amount: p.amount,
  status: p.status,
  transferId: p.transferId,
  entryCount: p.entryIds.length,
  createdAt: p.createdAt.toISOString(),
  paidAt: p.paidAt?.toISOString() ?? null,
});

export async function publisherPayouts(deps: PayoutDeps, principal: Principal | null, publisherId: string, page: PageRequest): Promise<Page<Payout>> {
  await publisherOwnedBy(deps, principal, publisherId);
  const found = await deps.earnings.payouts(publisherId, page);
  return { items: found.items.map(payoutOut), nextCursor: found.nextCursor };
}

/**
 * The publisher's Connect (Express) account, created once (idempotency key `account:<id>`),
 * and a fresh onboarding link. The account's state comes back with `account.updated`.
 */
export async function onboardPayouts(deps: PayoutDeps, principal: Principal | null, publisherId: string): Promise<HostedPage> {
  const publisher = await publisherOwnedBy(deps, principal, publisherId);
  let accountId = publisher.payoutAccount?.accountId;
  if (!accountId) {
    const account = await deps.billing.createConnectAccount({ publisherId, email: principal?.kind === 'user' ? principal.email : null }, `account:${publisherId}`);
    const { chargesEnabled, payoutsEnabled, detailsSubmitted } = account;
    await deps.billingAccounts.setPayoutAccount(publisherId, { accountId: account.id, chargesEnabled, payoutsEnabled, detailsSubmitted }, deps.clock.now());
    accountId = account.id;
  }
  const back = (outcome: string) => `${deps.billingConfig.appUrl}/publishers/${encodeURIComponent(publisherId)}/payouts?onboarding=${outcome}`;
  const link = await deps.billing.createAccountLink({ accountId, refreshUrl: back('refresh'), returnUrl: back('complete') });
  return { id: accountId, url: link.url };
}

export interface SweepResult {
  /** Payouts whose transfer the provider made in this sweep. */
  paid: number;
  /** Payouts recorded whose transfer failed (tried again next sweep). */
  failed: number;
  /** Publishers whose settled balance is below the minimum. */
  belowMinimum: number;
}

/** A payout's id: fixed by the publisher and the entries it covers, so two sweeps that see the same entries record one payout. */
export const payoutIdOf = (publisherId: string, entryIds: readonly string[]) => `po_${sha256(`${publisherId}\n${[...entryIds].sort().join('\n')}`).slice(0, 32)}`;

/**
 * Pays every payable publisher's settled balance that reaches the minimum (the watchdog's
 * tick). Per payout: (1) record it pending and mark its entries, in one transaction, which
 * fails if a concurrent sweep claimed any of them; (2) transfer with the payout's id as the
 * idempotency key; (3) mark it paid. A crash or failure between (1) and (3) leaves it pending,
 * and the next sweep repeats (2) with the same key: the provider answers the same transfer.
 */
export async function sweepPayouts(deps: PayoutDeps): Promise<SweepResult> {
  const result: SweepResult = { paid: 0, failed: 0, belowMinimum: 0 };
  const now = deps.clock.now();
  const minimum = money(deps.payoutConfig.minimumMinor);
  for (const publisher of await deps.earnings.payablePublishers()) {
    const account = publisher.payoutAccount;
    if (!account?.payoutsEnabled) continue;
    // Payouts an earlier sweep recorded and did not complete: their transfer may exist already.
    const retried = await deps.earnings.pendingPayouts(publisher.id);
    const fresh: PayoutRecord[] = [];
    const selection = payoutSelection(await deps.earnings.entriesOf(publisher.id), now, minimum);
    if (selection) {
      const payout: PayoutRecord = {
        id: payoutIdOf(publisher.id, selection.entries.map((e) => e.id)),
        publisherId: publisher.id,
        accountId: account.accountId,
        amount: selection.amount,
        status: 'pending',
        transferId: null,
        entryIds: selection.entries.map((e) => e.id),
        createdAt: now,
        paidAt: null,
        lastError: null,
      };
      if (await deps.earnings.claimPayout(payout)) fresh.push(payout);
    } else {
      result.belowMinimum += 1;
    }
    for (const payout of [...retried, ...fresh]) {
      try {
        // A retry looks for its transfer first: the idempotency key alone protects it for only 24 hours at Stripe.
        const made = retried.includes(payout) ? await deps.billing.findTransfer(payout.id) : null;
        const transfer =
          made ??
          (await deps.billing.createTransfer(
            { amountMinor: payout.amount.amountMinor, currency: payout.amount.currency, destination: payout.accountId, group: payout.id, metadata: { publisherId: payout.publisherId, payoutId: payout.id } },
            `payout:${payout.id}`,
          ));
        await deps.earnings.completePayout(payout.id, transfer.id, deps.clock.now());
        result.paid += 1;
      } catch (err) {
        result.failed += 1;
        await deps.earnings.notePayoutError(payout.id, String((err as Error).message ?? err)).catch(() => undefined);
        console.error(JSON.stringify({ severity: 'WARNING', message: 'payout transfer failed; the next sweep tries again', payoutId: payout.id, error: String((err as Error).message ?? err) }));
      }
    }
  }
  return result;
}
