import { onRequest } from 'firebase-functions/v2/https';
import { loadConfig, params, STRIPE_SECRETS } from '../config/index.js';
import { getDeps } from './deps.js';

/**
 * The local billing stand-in's hosted pages (what Stripe Checkout, the Billing Portal and
 * Connect onboarding are in production): checkout completes a subscription, the portal cancels
 * it, makes its payment fail or succeed or closes its billing period (an invoice), onboarding enables a payout account. Each fires the
 * webhook events Stripe would. Not found unless BILLING=local.
 */
export const localBilling = onRequest({ region: params.region, memory: '256MiB', timeoutSeconds: 120, invoker: 'public', secrets: STRIPE_SECRETS }, async (req, res) => {
  const send = (status: number, html: string) => {
    res.status(status).setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', PAGE_CSP_VALUE);
    res.send(html);
  };
  if (loadConfig().billing !== 'local') return void res.status(404).send('Not found');
  const [{ deps }, { LocalBillingProvider, LocalStripeError }, pages] = await Promise.all([getDeps(), import('../adapters/billing/localProvider.js'), import('../adapters/billing/localPages.js')]);
  const provider = deps.billing;
  if (!(provider instanceof LocalBillingProvider)) return void res.status(404).send('Not found');
  const base = `${loadConfig().localBillingUrl}/localBilling`;
  const parts = req.path.split('/').filter(Boolean);
  const post = req.method === 'POST';
  try {
    if (parts[0] === 'checkout' && parts[1] && parts.length === 2 && !post) {
      const { session, lines } = await provider.checkoutView(parts[1]);
      return send(200, pages.checkoutPage({ base, sessionId: parts[1], status: String(session['status']), lines, cancelUrl: String(session['cancel_url']) }));
    }
    if (parts[0] === 'checkout' && parts[1] && parts[2] === 'complete' && post) {
      const { redirect } = await provider.completeCheckout(parts[1]);
      return void res.redirect(303, redirect);
    }
    if (parts[0] === 'portal' && parts[1] && parts.length === 2 && !post) {
      const view = await provider.portalView(parts[1]);
      return send(200, pages.portalPage({ base, sessionId: parts[1], returnUrl: view.returnUrl, subscriptions: view.subscriptions }));
    }
    const action = parts[4];
    if (parts[0] === 'portal' && parts[1] && parts[2] === 'subscriptions' && parts[3] && (action === 'cancel' || action === 'fail-payment' || action === 'pay' || action === 'close-period') && post) {
      await provider.portalAction(parts[1], parts[3], action);
      return void res.redirect(303, `${base}/portal/${parts[1]}`);
    }
    if (parts[0] === 'connect' && parts[1] && parts.length === 2 && !post) {
      const view = await provider.onboardingView(parts[1]);
      return send(200, pages.onboardingPage({ base, linkId: parts[1], accountId: view.accountId }));
    }
    if (parts[0] === 'connect' && parts[1] && parts[2] === 'complete' && post) {
      const { redirect } = await provider.completeOnboarding(parts[1]);
      return void res.redirect(303, redirect);
    }
    return send(404, '<p>Not found</p>');
  } catch (err) {
    if (err instanceof LocalStripeError) return send(err.statusCode, `<p>${err.code}</p>`);
    console.error(JSON.stringify({ severity: 'ERROR', message: 'localBilling failed', error: String((err as Error)?.stack ?? err) }));
    return send(500, '<p>internal error</p>');
  }
});

const PAGE_CSP_VALUE = "default-src 'none'; style-src 'unsafe-inline'; form-action http: https:; frame-ancestors 'none'";
