import { z } from 'zod';
import { BillingStatus } from './billing.js';
import { Plan } from './workspaces.js';

/**
 * A workspace's account with the billing provider (Stripe; a stand-in locally): its plan and
 * standing, the provider's customer and subscription, and the subscription's items for paid
 * agents. docs/billing.md "Plans, subscriptions and webhooks".
 */

/** Plans a workspace can buy (free is what it has without a subscription). */
export const PaidPlan = Plan.exclude(['free']);
export type PaidPlan = z.infer<typeof PaidPlan>;

export const BillingAccountOut = z
  .object({
    plan: Plan,
    status: BillingStatus,
    /** The provider's customer (`cus_...`); null until the workspace first checks out. */
    customerId: z.string().nullable(),
    /** The subscription the plan comes from; null without one. */
    subscriptionId: z.string().nullable(),
  })
  .meta({ id: 'BillingAccount' });
export type BillingAccount = z.output<typeof BillingAccountOut>;

export const StartCheckoutIn = z.object({ plan: PaidPlan }).strict().meta({ id: 'StartCheckout' });
export type StartCheckout = z.input<typeof StartCheckoutIn>;

/** Where to send the browser: the provider's hosted page (Stripe Checkout or the Billing Portal). */
export const HostedPageOut = z.object({ id: z.string(), url: z.url() }).meta({ id: 'HostedPage' });
export type HostedPage = z.output<typeof HostedPageOut>;
