/**
 * The local stand-in's hosted pages (checkout, billing portal, Connect onboarding): plain HTML
 * forms, no script, so a test or a developer can walk the flows Stripe's pages would.
 */
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);


function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:16px system-ui;margin:3rem auto;max-width:36rem}form{display:inline}button{margin:.25rem}</style></head>
<body><p><small>Local billing stand-in (no money moves)</small></p><h1>${escape(title)}</h1>${body}</body></html>`;
}

const button = (action: string, label: string) => `<form method="post" action="${escape(action)}"><button type="submit">${escape(label)}</button></form>`;
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

export function checkoutPage(input: { base: string; sessionId: string; status: string; lines: { name: string; amountCents: number }[]; cancelUrl: string }): string {
  if (input.status !== 'open') return page('Checkout', `<p>This checkout is ${escape(input.status)}.</p>`);
  const lines = input.lines.map((l) => `<li>${escape(l.name)}: ${dollars(l.amountCents)} a month</li>`).join('');
  return page('Checkout', `<ul>${lines}</ul>${button(`${input.base}/checkout/${input.sessionId}/complete`, 'Pay and subscribe')} <a href="${escape(input.cancelUrl)}">Cancel</a>`);
}

export function portalPage(input: { base: string; sessionId: string; returnUrl: string; subscriptions: { id: string; status: string; items: string[] }[] }): string {
  const subs = input.subscriptions
    .map((s) => {
      const actions =
        s.status === 'canceled'
          ? ''
          : [
              button(`${input.base}/portal/${input.sessionId}/subscriptions/${s.id}/cancel`, 'Cancel subscription'),
              button(`${input.base}/portal/${input.sessionId}/subscriptions/${s.id}/fail-payment`, 'Simulate a failed payment'),
              button(`${input.base}/portal/${input.sessionId}/subscriptions/${s.id}/pay`, 'Pay open invoices'),
              button(`${input.base}/portal/${input.sessionId}/subscriptions/${s.id}/close-period`, 'Close the billing period now (invoice and pay)'),
            ].join('');
      return `<li><code>${escape(s.id)}</code>: ${escape(s.status)} (${s.items.map(escape).join(', ')})<br>${actions}</li>`;
    })
    .join('');
  return page('Billing portal', `<ul>${subs || '<li>No subscriptions.</li>'}</ul><p><a href="${escape(input.returnUrl)}">Back</a></p>`);
}

export function onboardingPage(input: { base: string; linkId: string; accountId: string }): string {
  return page('Payout account onboarding', `<p>Account <code>${escape(input.accountId)}</code></p>${button(`${input.base}/connect/${input.linkId}/complete`, 'Submit details')}`);
}
