/**
 * The workspace's plan and standing, and the ways to change them: buy a plan through the
 * provider's hosted checkout (only without a live subscription), or open the billing portal
 * (once the workspace is a customer). Back from checkout, the plan changes only when the
 * provider's webhook arrives: the account is read again until it shows the new plan.
 */
import type { BillingAccount, PaidPlan } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { billingProblemText } from '../../billingProblems.ts';
import { t } from '../../i18n.ts';
import { isAbort, showErrorText } from '../../messages.ts';
import { details } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';

const PAID_PLANS: readonly PaidPlan[] = ['team', 'enterprise'];
/** How often, and how many times, the account is read again while a checkout's webhook is awaited. */
const ACTIVATION_POLL_MS = 1500;
const ACTIVATION_TRIES = 40;

export interface PlanOptions {
  canManage: boolean;
  /** `checkout` and `portal` from the address the provider sent the browser back to. */
  checkout: string | null;
  portal: string | null;
}

export const planLabel = (plan: string): string => t(`billing.plan.${plan as BillingAccount['plan']}`);
const hasLiveSubscription = (a: BillingAccount) => a.subscriptionId !== null && a.status !== 'canceled';

function standingNote(a: BillingAccount): HTMLElement | null {
  if (a.status === 'past_due') return h('p', { class: 'run-note billing-warning' }, h('strong', {}, t('billing.pastDueTitle')), ' ', t('billing.pastDueText'));
  if (a.status === 'canceled') return h('p', { class: 'run-note' }, t('billing.canceledText'));
  return null;
}

/** Sends the browser to a hosted page the API hands out (checkout or portal). */
async function goToHostedPage(start: () => Promise<{ url: string }>): Promise<void> {
  const page = await start();
  location.assign(page.url);
}

export async function planSection(container: HTMLElement, wsId: string, options: PlanOptions, signal: AbortSignal): Promise<void> {
  const body = h('div');
  // Said when it changes: the activation's progress, a canceled checkout.
  const note = h('div', { class: 'plan-note', 'aria-live': 'polite' });
  container.append(note, body);

  const draw = (a: BillingAccount) => {
    const actions = h('div', { class: 'actions' });
    if (options.canManage && !hasLiveSubscription(a)) {
      for (const plan of PAID_PLANS) {
        const upgrade = h('button', { type: 'button' }, t('billing.upgrade', { plan: planLabel(plan) }));
        upgrade.addEventListener('click', () => {
          void busy(upgrade, () => goToHostedPage(() => api.call('startPlanCheckout', { params: { wsId }, body: { plan } }))).catch((err: unknown) => {
            showErrorText(billingProblemText(err));
            void load().catch(() => undefined); // the account may have changed meanwhile (a subscription elsewhere)
          });
        });
        actions.append(upgrade);
      }
    }
    if (options.canManage && a.customerId) {
      const portal = h('button', { type: 'button', class: a.status === 'past_due' ? '' : 'secondary' }, t('billing.manage'));
      portal.addEventListener('click', () => {
        void busy(portal, () => goToHostedPage(() => api.call('openBillingPortal', { params: { wsId } }))).catch((err: unknown) => showErrorText(billingProblemText(err)));
      });
      actions.append(portal);
    }
    replace(
      body,
      details([
        [t('billing.planLabel'), h('strong', { id: 'billing-plan-name' }, planLabel(a.plan))],
        [t('billing.statusLabel'), h('span', { class: `badge billing-${a.status}` }, t(`billing.status.${a.status}`))],
      ]),
      standingNote(a),
      options.canManage ? null : h('p', { class: 'hint' }, t('billing.readOnly')),
      actions.childElementCount ? actions : null,
    );
  };

  const load = async () => {
    const a = await api.call('getBillingAccount', { params: { wsId }, signal });
    draw(a);
    return a;
  };

  const first = await load();
  if (options.checkout === 'canceled') replace(note, h('p', { class: 'run-note' }, t('billing.checkoutCanceled')));
  if (options.portal === 'closed') replace(note, h('p', { class: 'run-note' }, t('billing.portalClosed')));
  if (options.checkout === 'complete') await awaitActivation(first, note, load, signal);
}

/** Reads the account again until the subscription shows (the provider's webhook), saying so as it goes. */
async function awaitActivation(first: BillingAccount, note: HTMLElement, load: () => Promise<BillingAccount>, signal: AbortSignal): Promise<void> {
  const done = (a: BillingAccount) => replace(note, h('p', { class: 'run-note billing-ok' }, t('billing.activated', { plan: planLabel(a.plan) })));
  if (hasLiveSubscription(first) && first.plan !== 'free') return done(first);
  replace(note, h('p', { class: 'run-note' }, t('billing.activating')));
  for (let i = 0; i < ACTIVATION_TRIES && !signal.aborted; i++) {
    await new Promise((resolve) => setTimeout(resolve, ACTIVATION_POLL_MS));
    if (signal.aborted) return;
    try {
      const a = await load();
      if (hasLiveSubscription(a) && a.plan !== 'free') return done(a);
    } catch (err) {
      if (isAbort(err)) return;
      // A failed read is tried again on the next turn; the last one's reason is shown if it never comes.
    }
  }
  if (!signal.aborted) replace(note, h('p', { class: 'run-note' }, t('billing.activationSlow')));
}
