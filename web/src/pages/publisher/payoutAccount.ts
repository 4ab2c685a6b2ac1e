/**
 * The payout account part of the earnings page: what is known of the account and the "Set up
 * payouts" button (the API creates the Connect account once and hands out a fresh onboarding
 * link; the browser goes there, and the provider sends it back to
 * `/publishers/{p}/payouts?onboarding=complete|refresh`, which pathRoutes.ts brings here).
 *
 * The earnings answer does not carry the account's state, so it is told from what the page
 * knows: a payout was made (the account takes payouts), or onboarding was just completed or
 * has expired; otherwise the page says how payouts start.
 */
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { busy, h } from '../../ui/dom.ts';

export function payoutAccountSection(container: HTMLElement, publisherId: string, known: { hasPayouts: boolean; onboarding: string | null }): void {
  const state = known.hasPayouts
    ? t('earnings.accountEnabled')
    : known.onboarding === 'complete'
      ? t('earnings.accountSubmitted')
      : known.onboarding === 'refresh'
        ? t('earnings.accountRefresh')
        : t('earnings.accountUnknown');
  const setUp = h('button', { type: 'button', class: known.hasPayouts ? 'secondary' : '' }, t('earnings.setUp'));
  setUp.addEventListener('click', () => {
    void busy(setUp, async () => {
      const page = await api.call('onboardPublisherPayouts', { params: { publisherId } });
      location.assign(page.url);
    }).catch(showError);
  });
  container.append(h('p', { id: 'payout-account-state' }, state), h('div', { class: 'actions' }, setUp));
}
