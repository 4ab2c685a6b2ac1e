import type { Budget } from '@aws-sdk/client-budgets';
import type { CloudResource } from '@agent-marketplace/contract/cloud';
import type { CloudActionRequest } from '../../../app/cloud/ports.js';
import { GLOBAL_REGION } from './clients.js';
import { allPages, invalid, labelsOf, notFound, parseArn, unsupported, type AwsCall } from './context.js';

/**
 * AWS Budgets (`budget`) of the connected account, over the Budgets JSON API (global, served from
 * us-east-1): DescribeBudgets, then ListTagsForResource per budget (its labels). Only cost
 * budgets: usage and reservation budgets are not money. Ids are `arn:aws:budgets::<account>:budget/<name>`.
 */

const budgetsSdk = () => import('@aws-sdk/client-budgets');

const PERIOD: Record<string, string> = { DAILY: 'day', MONTHLY: 'month', QUARTERLY: 'quarter', ANNUALLY: 'year' };

export const budgetArn = (account: string, name: string) => `arn:aws:budgets::${account}:budget/${name}`;

export function budgetOf(b: Budget, tags: { Key?: string; Value?: string }[], account: string): CloudResource {
  const name = b.BudgetName ?? '';
  const linked = b.CostFilters?.['LinkedAccount'];
  const amount = Number(b.BudgetLimit?.Amount);
  const spent = Number(b.CalculatedSpend?.ActualSpend?.Amount);
  const forecast = Number(b.CalculatedSpend?.ForecastedSpend?.Amount);
  return {
    kind: 'budget',
    id: budgetArn(account, name),
    name,
    project: account,
    region: 'global',
    state: 'active',
    labels: labelsOf(tags),
    attributes: {
      amountUsd: Number.isFinite(amount) ? amount : null,
      currency: b.BudgetLimit?.Unit ?? 'USD',
      period: PERIOD[b.TimeUnit ?? ''] ?? (b.TimeUnit ?? 'unknown').toLowerCase(),
      // The account whose spend it bounds: its one linked-account filter, else the connected account.
      project: linked?.length === 1 ? linked[0] : account,
      ...(Number.isFinite(spent) ? { actualSpendUsd: spent } : {}),
      ...(Number.isFinite(forecast) ? { forecastedSpendUsd: forecast } : {}),
    },
  };
}

async function describeAll(call: AwsCall): Promise<CloudResource[]> {
  const m = await budgetsSdk();
  const client = new m.BudgetsClient(call.config('budgets', GLOBAL_REGION));
  const all = await allPages(async (token) => {
    const out = await call.run('budgets:ViewBudget', 'global', () =>
      client.send(new m.DescribeBudgetsCommand({ AccountId: call.account, MaxResults: 100, ...(token ? { NextToken: token } : {}) })),
    );
    return { items: out.Budgets ?? [], next: out.NextToken };
  });
  const out: CloudResource[] = [];
  for (const b of all.filter((x) => (x.BudgetType ?? 'COST') === 'COST')) {
    const arn = budgetArn(call.account, b.BudgetName ?? '');
    const tags = await call.run('budgets:ListTagsForResource', 'global', () => client.send(new m.ListTagsForResourceCommand({ ResourceARN: arn })));
    out.push(budgetOf(b, tags.ResourceTags ?? [], call.account));
  }
  return out;
}

export const budgets = {
  list: describeAll,

  async get(call: AwsCall, id: string): Promise<CloudResource | null> {
    return (await describeAll(call)).find((b) => b.id === id) ?? null;
  },

  async act(call: AwsCall, action: CloudActionRequest): Promise<CloudResource> {
    const arn = parseArn(action.resourceId);
    if (!arn || arn.service !== 'budgets' || arn.account !== call.account || !arn.resource.startsWith('budget/')) throw notFound('budget', action.resourceId);
    if (action.verb !== 'label') throw unsupported('budget', action.verb);
    const labels = action.params.labels ?? {};
    if (Object.keys(labels).length === 0) throw invalid('A label action needs at least one label.');
    const m = await budgetsSdk();
    const client = new m.BudgetsClient(call.config('budgets', GLOBAL_REGION));
    await call.run('budgets:TagResource', 'global', () =>
      client.send(new m.TagResourceCommand({ ResourceARN: action.resourceId, ResourceTags: Object.entries(labels).map(([Key, Value]) => ({ Key, Value })) })),
    );
    const after = await budgets.get(call, action.resourceId);
    if (!after) throw notFound('budget', action.resourceId);
    return after;
  },
};
