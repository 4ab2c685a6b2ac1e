/**
 * `#/publishers/{publisherId}/earnings`: a publisher's balances (settled, pending, paid out),
 * its revenue entries and payouts, and its payout account (docs/billing.md "Revenue share",
 * "Payouts"). Only the publisher's owners see it: for anyone else the API answers 404, and the
 * page says plainly that there is no such publisher of theirs.
 */
import type { Earnings } from '@agent-marketplace/client';
import { api, ApiError } from '../../api.ts';
import { formatPercent, t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { type Page } from '../../router.ts';
import { loading, requireUser, section, setTitle } from '../../ui/common.ts';
import { busy, h } from '../../ui/dom.ts';
import { moneyText } from '../../ui/money.ts';
import { entriesTable, entryRow, payoutRow, payoutsTable } from './earningsTables.ts';
import { payoutAccountSection } from './payoutAccount.ts';

const PAGE_SIZE = 25;

function balances(e: Earnings): HTMLElement[] {
  const stat = (id: string, value: string, label: string) => h('li', {}, h('span', { class: 'stat-value', id }, value), h('span', { class: 'stat-label' }, label));
  return [
    h(
      'ul',
      { class: 'stats' },
      stat('earnings-settled', moneyText(e.settled), t('earnings.settled')),
      stat('earnings-pending', moneyText(e.pending), t('earnings.pending')),
      stat('earnings-paid-out', moneyText(e.paidOut), t('earnings.paidOut')),
    ),
    h('p', { class: 'hint' }, t('earnings.shareNote', { share: formatPercent(e.shareBps / 10_000), minimum: moneyText(e.payoutMinimum) })),
  ];
}

/** A "Load more" button under a table while the API hands back a cursor. */
function moreButton<T>(first: string | null, load: (cursor: string) => Promise<{ items: T[]; nextCursor: string | null }>, add: (items: T[]) => void): HTMLElement | null {
  let cursor = first;
  if (!cursor) return null;
  const more = h('button', { type: 'button', class: 'secondary' }, t('common.loadMore'));
  more.addEventListener('click', () => {
    void busy(more, async () => {
      const page = await load(cursor!);
      add(page.items);
      cursor = page.nextCursor;
      if (!cursor) more.remove();
    }).catch(showError);
  });
  return more;
}

export const earningsPage: Page = async (root, { params, query, signal }) => {
  if (!requireUser()) return;
  const publisherId = params['publisherId'] ?? '';
  const wait = loading();
  root.append(wait);
  const p = { publisherId };
  let earnings: Earnings;
  let payouts: Awaited<ReturnType<typeof api.call<'listPublisherPayouts'>>>;
  try {
    [earnings, payouts] = await Promise.all([
      api.call('getPublisherEarnings', { params: p, query: { limit: PAGE_SIZE }, signal }),
      api.call('listPublisherPayouts', { params: p, query: { limit: PAGE_SIZE }, signal }),
    ]);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    setTitle(t('earnings.notFoundTitle'));
    root.append(h('h1', {}, t('earnings.notFoundTitle')), h('p', { id: 'earnings-not-found' }, t('earnings.notFound', { publisher: publisherId })));
    return;
  } finally {
    wait.remove();
  }

  setTitle(t('earnings.title', { publisher: publisherId }));
  const account = section('earnings-account', t('earnings.accountTitle'));
  payoutAccountSection(account, publisherId, earnings.payoutAccount, query.get('onboarding'));

  const entries = section('earnings-entries-title', t('earnings.entriesTitle'));
  if (earnings.entries.length === 0) entries.append(h('p', { class: 'muted' }, t('earnings.noEntries')));
  else {
    const { region, body } = entriesTable();
    body.append(...earnings.entries.map(entryRow));
    const more = moreButton(earnings.nextCursor, (cursor) => api.call('getPublisherEarnings', { params: p, query: { limit: PAGE_SIZE, cursor }, signal }).then((e) => ({ items: e.entries, nextCursor: e.nextCursor })), (items) => body.append(...items.map(entryRow)));
    entries.append(region);
    if (more) entries.append(more);
    entries.append(h('p', { class: 'hint' }, t('earnings.kindsNote')));
  }

  const payoutList = section('earnings-payouts-title', t('earnings.payoutsTitle'));
  if (payouts.items.length === 0) payoutList.append(h('p', { class: 'muted' }, t('earnings.noPayouts')));
  else {
    const { region, body } = payoutsTable();
    body.append(...payouts.items.map(payoutRow));
    const more = moreButton(payouts.nextCursor, (cursor) => api.call('listPublisherPayouts', { params: p, query: { limit: PAGE_SIZE, cursor }, signal }), (items) => body.append(...items.map(payoutRow)));
    payoutList.append(region);
    if (more) payoutList.append(more);
  }

  root.append(
    h('h1', {}, t('earnings.title', { publisher: publisherId })),
    section('earnings-balance', t('earnings.balanceTitle'), ...balances(earnings)),
    account,
    entries,
    payoutList,
  );
};
