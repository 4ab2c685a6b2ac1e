/**
 * The payout account part of the earnings page: what is known of the account and the "Set up
 * payouts" button (the API creates the Connect account once and hands out a fresh onboarding
 * link; the browser goes there, and the provider sends it back to
 * `/publishers/{p}/payouts?onboarding=complete|refresh`, which pathRoutes.ts brings here).
 * The account's state comes with the earnings (payouts enabled, details submitted, or none yet).
 */
import type { Earnings } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { busy, h } from '../../ui/dom.ts';

type AccountState = Earnings['payoutAccount'];

function stateText(account: AccountState, onboarding: string | null): string {
  if (account?.payoutsEnabled) return t('earnings.accountEnabled');
  // Back from an onboarding link that expired before it was completed.
  if (onboarding === 'refresh') return t('earnings.accountRefresh');
  if (account?.detailsSubmitted) return t('earnings.accountSubmitted');
  return t(account ? 'earnings.accountIncomplete' : 'earnings.accountNone');
}

export function payoutAccountSection(container: HTMLElement, publisherId: string, account: AccountState, onboarding: string | null): void {
  const state = stateText(account, onboarding);
  const setUp = h('button', { type: 'button', class: account?.payoutsEnabled ? 'secondary' : '' }, t(account?.payoutsEnabled ? 'earnings.updateAccount' : 'earnings.setUp'));
  setUp.addEventListener('click', () => {
    void busy(setUp, async () => {
      const page = await api.call('onboardPublisherPayouts', { params: { publisherId } });
      location.assign(page.url);
    }).catch(showError);
  });
  container.append(h('p', { id: 'payout-account-state' }, state), h('div', { class: 'actions' }, setUp));
}
