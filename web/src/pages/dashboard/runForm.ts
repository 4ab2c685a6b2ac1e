/**
 * Manual run trigger: the install's input form (from its version's `inputs` JSON Schema) and
 * Start. A paid agent's price shows before the run; the run's estimate (what the trigger
 * admitted it at) goes with the run page's confirmation; a run that billing refuses (a spend
 * cap reached, a payment past due) says why in the form, with a link to the billing page.
 */
import type { CostEstimate, Install, Manifest } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { billingProblemText, isBillingRefusal } from '../../billingProblems.ts';
import { formatMinorUnits, t, tOr } from '../../i18n.ts';
import { priceLabel } from '../../labels.ts';
import { href, navigate } from '../../router.ts';
import { loading } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { onSchemaSubmit, schemaForm } from '../../ui/schemaForm.ts';

/** "per run", "covered by the monthly price", or the server's own words for a per-unit estimate. */
const basisText = (basis: string): string => tOr(`estimate.basis.${basis}`, basis.replace(/^per_unit: /, ''));

/** "Estimated cost: $0.25 (per run)." */
export const estimateText = (e: CostEstimate): string => t('runForm.estimate', { amount: formatMinorUnits(e.amountMinor, e.currency), basis: basisText(e.basis) });

function priceNote(pricing: Manifest['pricing'], id: string): HTMLElement | null {
  if (pricing.model === 'free') return null;
  return h('p', { class: 'run-price', id }, t('runForm.price', { price: priceLabel({ model: pricing.model, amountCents: pricing.amountCents, currency: pricing.currency, unit: pricing.unit }) }));
}

export async function runForm(panel: HTMLElement, wsId: string, install: Install, onClose: () => void): Promise<void> {
  const headingId = `run-form-${install.id}`;
  replace(panel, loading());
  const version = await api.call('getAgentVersion', { params: { agentId: install.agentId, version: install.version } });
  const form = schemaForm(version.manifest.inputs, {}, `input-${install.id}`);
  const price = priceNote(version.manifest.pricing, `run-price-${install.id}`);
  const start = h('button', { type: 'submit', 'aria-describedby': price?.id ?? null }, t('runForm.start'));
  const close = h('button', { type: 'button', class: 'secondary' }, t('runForm.close'));
  // Billing's refusals: said at once (alert), with the way to the billing page.
  const refusal = h('div', { class: 'form-problem run-refusal', role: 'alert' });
  close.addEventListener('click', onClose);
  const el = h(
    'form',
    { class: 'run-form', 'aria-labelledby': headingId, novalidate: true },
    h('h3', { id: headingId }, t('runForm.title', { name: version.manifest.name })),
    form.el,
    price,
    refusal,
    h('div', { class: 'actions' }, start, close),
  );
  onSchemaSubmit(el, form, start, 'input', async (value) => {
    replace(refusal);
    try {
      const run = await api.call('triggerRun', { params: { wsId, installId: install.id }, body: { input: value } });
      const started = t('install.runStarted');
      navigate(`/runs/${encodeURIComponent(wsId)}/${encodeURIComponent(run.id)}`, run.estimate ? `${started} ${estimateText(run.estimate)}` : started);
    } catch (err) {
      if (!isBillingRefusal(err)) throw err;
      replace(refusal, h('p', {}, billingProblemText(err)), h('p', {}, h('a', { href: href('/billing') }, t('runForm.openBilling'))));
    }
  });
  replace(panel, el);
  el.querySelector<HTMLElement>('input, select, textarea, button')?.focus();
}
