/** Start-up: config and Firebase, the session, the frame, then the router. */
import './styles.css';
import { onSessionChange, sessionReady } from './auth.ts';
import { loadServices } from './config.ts';
import { locale, t } from './i18n.ts';
import { showErrorText } from './messages.ts';
import { agentPage } from './pages/agent.ts';
import { catalogPage } from './pages/catalog.ts';
import { notFoundPage } from './pages/notFound.ts';
import { runPage } from './pages/run.ts';
import { signInPage } from './pages/signin.ts';
import { workspacePage } from './pages/workspace.ts';
import { currentPath, refresh, startRouter } from './router.ts';
import { renderFrame, renderHeader } from './shell.ts';

async function start(): Promise<void> {
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
    renderHeader();
    const changed = uid !== undefined && uid !== (user?.uid ?? null);
    uid = user?.uid ?? null;
    // The sign-in page moves on by itself after signing in; other pages redraw for the new user.
    if (changed && !(user && currentPath().startsWith('/signin'))) refresh();
  });
  startRouter({
    outlet: document.getElementById('outlet')!,
    notFound: notFoundPage,
    onRender: renderHeader, // the current page and workspace show in the header
    routes: [
      { pattern: '/', page: catalogPage },
      { pattern: '/agents/:id', page: agentPage },
      { pattern: '/runs/:wsId/:runId', page: runPage },
      { pattern: '/signin', page: signInPage },
      { pattern: '/workspace', page: workspacePage },
    ],
  });
}

void start();
