/**
 * `#/billing`: the current workspace's plan and standing, a month's usage and spend, and its
 * spend caps, and its invoices, for members whose role reads billing. The billing provider sends the browser back
 * to `/workspaces/{ws}/billing?checkout=complete` (pathRoutes.ts makes that `#/billing?ws=...`):
 * that workspace becomes the current one and the page says the plan is being activated.
 */
import { api } from '../../api.ts';
import { canListInstalls, canManageBilling, canReadBilling } from '../../billingRoles.ts';
import { getCurrentWorkspace, setCurrentWorkspace } from '../../currentWorkspace.ts';
import { t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { navigate, type Page } from '../../router.ts';
import { allLoaded, loading, requireUser, section, setTitle } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { capsSection } from './capsSection.ts';
import { invoicesSection } from './invoicesSection.ts';
import { planSection } from './planSection.ts';
import { usageSection } from './usageSection.ts';

/** Makes the workspace the address names current (when the user is a member), then shows the page without it. */
async function adoptWorkspace(wsId: string, query: URLSearchParams, signal: AbortSignal): Promise<void> {
  const ws = await api.call('getWorkspace', { params: { wsId }, signal });
  setCurrentWorkspace({ id: ws.id, name: ws.name });
  const rest = new URLSearchParams(query);
  rest.delete('ws');
  const qs = rest.toString();
  navigate(`/billing${qs ? `?${qs}` : ''}`, undefined, { replace: true });
}

export const billingPage: Page = async (root, { query, signal }) => {
  if (!requireUser()) return;
  const wanted = query.get('ws');
  if (wanted) return adoptWorkspace(wanted, query, signal);
  const ws = getCurrentWorkspace();
  if (!ws) {
    navigate('/workspaces', t('workspace.chooseFirstLong'), { replace: true });
    return;
  }
  setTitle(t('billing.title', { name: ws.name }));
  root.append(h('h1', {}, t('billing.title', { name: ws.name })));
  const wait = loading();
  root.append(wait);
  const { role } = await api.call('getWorkspace', { params: { wsId: ws.id }, signal }).finally(() => wait.remove());
  if (!canReadBilling(role)) {
    root.append(h('p', {}, t('billing.notAllowed')));
    return;
  }
  const plan = section('billing-plan', t('billing.planTitle'));
  const usage = section('billing-usage', t('billing.usageTitle'));
  const caps = section('billing-caps', t('billing.capsTitle'));
  const invoices = section('billing-invoices', t('invoices.title'));
  root.append(plan, usage, caps, invoices);

  const canManage = canManageBilling(role);
  const planLoad = planSection(plan, ws.id, { canManage, checkout: query.get('checkout'), portal: query.get('portal') }, signal);
  const usageLoad = (async () => {
    const usageWait = loading();
    usage.append(usageWait);
    const [month, installs] = await Promise.all([
      api.call('getBilling', { params: { wsId: ws.id }, signal }),
      canListInstalls(role) ? api.call('listInstalls', { params: { wsId: ws.id }, query: { limit: 100 }, signal }).then((p) => p.items) : Promise.resolve(null),
    ]).finally(() => usageWait.remove());
    const shown = usageSection(usage, ws.id, month, signal);
    capsSection(caps, ws.id, month, { canManage, installs }, () => void shown.reload().catch(showError));
  })();
  const invoicesLoad = invoicesSection(invoices, ws.id, signal);
  await allLoaded([planLoad, usageLoad, invoicesLoad]);
};
