/**
 * Start-up: config and Firebase, the session, the frame, then the router. The catalog is in
 * the first bundle; every other page is its own chunk, loaded when first visited.
 */
import './styles.css';
import { onSessionChange, sessionReady } from './auth.ts';
import { loadServices } from './config.ts';
import { locale, t } from './i18n.ts';
import { repairNavigatorLocale } from './locale.ts';
import { showErrorText } from './messages.ts';
import { forgetMyWorkspaces } from './myWorkspaces.ts';
import { forgetPendingApprovals } from './pendingApprovals.ts';
import { catalogPage } from './pages/catalog/catalogPage.ts';
import { notFoundPage } from './pages/notFound.ts';
import { hashRouteFor } from './pathRoutes.ts';
import { currentPath, refresh, startRouter } from './router.ts';
import { renderFrame, renderHeader } from './shell.ts';

/** A path-form address (the billing provider's return URL) becomes its hash route: no reload, no new history entry. */
function adoptPathRoute(): void {
  const route = hashRouteFor(location.pathname, location.search);
  if (route) history.replaceState(history.state, '', `/#${route}`);
}

async function start(): Promise<void> {
  // The billing provider returns to a path (`/workspaces/{ws}/billing?...`): the router reads hashes.
  adoptPathRoute();
  // Before any library that reads navigator.language (uPlot) can load and throw on a POSIX tag.
  repairNavigatorLocale();
  document.documentElement.lang = locale;
  document.title = t('app.name');
  renderFrame();
  try {
    await loadServices();
    await sessionReady();
  } catch (err) {
    console.error(err);
    showErrorText(t('error.startup', { reason: err instanceof Error ? err.message : String(err) }));
    return;
  }

  let uid: string | null | undefined;
  onSessionChange((user) => {
    const changed = uid !== undefined && uid !== (user?.uid ?? null);
    uid = user?.uid ?? null;
    if (changed) {
      forgetMyWorkspaces();
      forgetPendingApprovals();
    }
    renderHeader();
    // The sign-in page moves on by itself after signing in; other pages redraw for the new user.
    if (changed && !(user && currentPath().startsWith('/signin'))) refresh();
  });
  startRouter({
    outlet: document.getElementById('outlet')!,
    notFound: notFoundPage,
    onRender: renderHeader, // the current page and workspace show in the header
    routes: [
      { pattern: '/', page: catalogPage },
      { pattern: '/agents/:id', page: { load: () => import('./pages/agent/agentPage.ts').then((m) => m.agentPage) } },
      { pattern: '/signin', page: { load: () => import('./pages/signin/signinPage.ts').then((m) => m.signInPage) } },
      { pattern: '/workspaces', page: { load: () => import('./pages/workspaces/workspacesPage.ts').then((m) => m.workspacesPage) } },
      { pattern: '/workspace', page: { load: () => import('./pages/dashboard/dashboardPage.ts').then((m) => m.dashboardPage) } },
      { pattern: '/settings', page: { load: () => import('./pages/settings/settingsPage.ts').then((m) => m.settingsPage) } },
      { pattern: '/billing', page: { load: () => import('./pages/billing/billingPage.ts').then((m) => m.billingPage) } },
      { pattern: '/account', page: { load: () => import('./pages/account/accountPage.ts').then((m) => m.accountPage) } },
      { pattern: '/invitation', page: { load: () => import('./pages/account/invitationPage.ts').then((m) => m.invitationPage) } },
      { pattern: '/install/:wsId/:installId', page: { load: () => import('./pages/install/wizardPage.ts').then((m) => m.wizardPage) } },
      { pattern: '/runs/:wsId/:runId', page: { load: () => import('./pages/run/runPage.ts').then((m) => m.runPage) } },
      { pattern: '/approvals', page: { load: () => import('./pages/approvals/approvalsPage.ts').then((m) => m.approvalsPage) } },
      { pattern: '/publishers', page: { load: () => import('./pages/developer/publishersPage.ts').then((m) => m.publishersPage) } },
      { pattern: '/publishers/:publisherId', page: { load: () => import('./pages/developer/publisherPage.ts').then((m) => m.publisherPage) } },
      { pattern: '/publishers/:publisherId/agents/:agentId', page: { load: () => import('./pages/developer/developerAgentPage.ts').then((m) => m.developerAgentPage) } },
      { pattern: '/publishers/:publisherId/analytics', page: { load: () => import('./pages/developer/analyticsPage.ts').then((m) => m.analyticsPage) } },
      { pattern: '/admin/reviews', page: { load: () => import('./pages/review/reviewQueuePage.ts').then((m) => m.reviewQueuePage) } },
      { pattern: '/publishers/:publisherId/earnings', page: { load: () => import('./pages/publisher/earningsPage.ts').then((m) => m.earningsPage) } },
      { pattern: '/installs/:wsId/:installId/approval-policy', page: { load: () => import('./pages/policy/policyPage.ts').then((m) => m.policyPage) } },
      { pattern: '/installs/:wsId/:installId/memory', page: { load: () => import('./pages/memory/memoryPage.ts').then((m) => m.memoryPage) } },
    ],
  });
}

void start();
