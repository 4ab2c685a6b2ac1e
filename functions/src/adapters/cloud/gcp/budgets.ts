import type { CloudListFilter, CloudResource } from '@agent-marketplace/contract/cloud';
import type { GcpCall, KindAdapter } from './context.js';
import { applyFilter, num, unsupported } from './context.js';

/**
 * Cloud Billing budgets (billingbudgets/v1). Budgets belong to a billing account, found from
 * each project's `billingInfo` (cloudbilling/v1); a budget's project filter names projects by
 * number, resolved to ids with Resource Manager's `projects.get`. Budgets have no labels.
 */

interface Budget {
  name: string;
  displayName?: string;
  budgetFilter?: { projects?: string[]; calendarPeriod?: string; customPeriod?: unknown };
  amount?: { specifiedAmount?: { currencyCode?: string; units?: string; nanos?: number }; lastPeriodAmount?: unknown };
  thresholdRules?: { thresholdPercent?: number }[];
  notificationsRule?: { pubsubTopic?: string; monitoringNotificationChannels?: string[] };
}

const PERIODS: Record<string, string> = { MONTH: 'month', QUARTER: 'quarter', YEAR: 'year' };

async function billingAccounts(c: GcpCall, projects: string[]): Promise<string[]> {
  const accounts = new Set<string>();
  for (const project of projects) {
    const info = await c.api.call<{ billingAccountName?: string; billingEnabled?: boolean }>({
      method: 'GET',
      url: `https://cloudbilling.googleapis.com/v1/projects/${project}/billingInfo`,
      token: c.token,
      api: 'Cloud Billing projects.getBillingInfo',
    });
    if (info.billingAccountName) accounts.add(info.billingAccountName);
  }
  return [...accounts];
}

async function listBudgets(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]> {
  const projectIds = new Map<string, Promise<string>>();
  const idOf = (ref: string) => {
    // `projects/{number}` → the project id (Resource Manager v3 projects.get accepts the number).
    let id = projectIds.get(ref);
    if (!id) {
      id = c.api
        .call<{ projectId?: string }>({ method: 'GET', url: `https://cloudresourcemanager.googleapis.com/v3/${ref}`, token: c.token, api: 'Resource Manager projects.get' })
        .then((p) => p.projectId ?? ref);
      projectIds.set(ref, id);
    }
    return id;
  };
  const out: CloudResource[] = [];
  for (const account of await billingAccounts(c, await c.projects(filter))) {
    const budgets = await c.api.listAll<Budget>({ method: 'GET', url: `https://billingbudgets.googleapis.com/v1/${account}/budgets`, token: c.token, api: 'Cloud Billing Budgets budgets.list' }, 'budgets');
    for (const b of budgets) {
      const scoped = b.budgetFilter?.projects ?? [];
      const projects = await Promise.all(scoped.map(idOf));
      const money = b.amount?.specifiedAmount;
      const amount = money ? (num(money.units) ?? 0) + (money.nanos ?? 0) / 1e9 : undefined;
      const attributes: Record<string, unknown> = {
        currency: money?.currencyCode ?? null,
        period: b.budgetFilter?.customPeriod ? 'custom' : (PERIODS[b.budgetFilter?.calendarPeriod ?? 'MONTH'] ?? 'month'),
        // A budget on one project is forecast against that project's spend; a wider one has no single project.
        project: projects.length === 1 ? projects[0] : null,
        projects,
        thresholds: (b.thresholdRules ?? []).map((t) => t.thresholdPercent).filter((t): t is number => typeof t === 'number'),
        billingAccount: account,
      };
      // Named `amountUsd` as the agents read it, in the budget's own currency (`currency`); a "last period's spend" budget has no fixed amount.
      if (amount !== undefined) attributes['amountUsd'] = amount;
      const notify = b.notificationsRule?.pubsubTopic ?? b.notificationsRule?.monitoringNotificationChannels?.[0];
      if (notify) attributes['notify'] = notify;
      out.push({ kind: 'budget', id: b.name, name: b.displayName ?? b.name, project: projects.length === 1 ? projects[0]! : account, region: 'global', state: 'active', labels: {}, attributes });
    }
  }
  return applyFilter(out, filter);
}

export const budgetKind: KindAdapter = {
  list: listBudgets,
  act: async (_c, action) => {
    throw unsupported(
      action.verb === 'label'
        ? 'Cloud Billing budgets have no labels on GCP: budget.label cannot be applied. The budget state is in the run output instead.'
        : `The GCP adapter cannot ${action.verb} a budget.`,
    );
  },
};
