/** The page frame around every route: skip link, header with navigation and workspace switcher, footer. */
import { currentUser, refreshVerification, resendVerification, signOut, type SessionUser } from './auth.ts';
import { canReadBilling } from './billingRoles.ts';
import { getCurrentWorkspace, setCurrentWorkspace } from './currentWorkspace.ts';
import { h, replace } from './ui/dom.ts';
import { t } from './i18n.ts';
import { showError, showStatus } from './messages.ts';
import { myWorkspaces } from './myWorkspaces.ts';
import { onPendingApprovals, pendingApprovals, type PendingCount } from './pendingApprovals.ts';
import { currentPath, href, navigate } from './router.ts';

const byId = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el;
};

/** Draws the parts that do not change with the route. Call once at start. */
export function renderFrame(): void {
  const main = byId('main');
  const skip = h('a', { class: 'skip-link', href: '#main' }, t('nav.skip'));
  // The hash is the router's: move focus to the content instead of following the link.
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  document.body.prepend(skip);
  replace(byId('footer'), h('p', {}, t('app.footer')));
  // A decision somewhere counts the pending approvals again: the header's link shows the new count.
  onPendingApprovals((wsId, count) => {
    const badge = document.getElementById('nav-approvals-count');
    if (badge?.dataset.ws === wsId) showCount(badge, count);
  });
}

/** Which top-level section a path belongs to, for `aria-current`. */
function sectionOf(path: string): string {
  if (path === '/' || path.startsWith('/agents/')) return '/';
  if (path.startsWith('/runs/') || path.startsWith('/install/') || path.startsWith('/installs/') || path === '/workspace') return '/workspace';
  // The developer portal and the review queue are entered from the account page.
  if (path === '/publishers' || path.startsWith('/publishers/') || path.startsWith('/admin/')) return '/account';
  return path;
}

const link = (path: string, label: string) => {
  const [here = '/'] = currentPath().split('?');
  return h('li', {}, h('a', { href: href(path), 'aria-current': sectionOf(here) === path ? 'page' : null }, label));
};

function showCount(badge: HTMLElement, count: PendingCount | null): void {
  badge.hidden = !count || count.n === 0;
  if (!count || count.n === 0) return replace(badge);
  replace(badge, count.more ? `${count.n}+` : String(count.n), h('span', { class: 'visually-hidden' }, ` ${t('nav.pending')}`));
}

/** Approvals, with the current workspace's pending count once known. */
function approvalsLink(): HTMLElement {
  const item = link('/approvals', t('nav.approvals'));
  const ws = getCurrentWorkspace();
  if (!ws) return item;
  const badge = h('span', { id: 'nav-approvals-count', class: 'nav-count', 'data-ws': ws.id, hidden: true });
  item.querySelector('a')?.append(' ', badge);
  void pendingApprovals(ws.id).then((count) => showCount(badge, count));
  return item;
}

/**
 * Billing, for members whose role reads it (owners, admins, billing): hidden until the role in
 * the current workspace is known, and for everyone else.
 */
function billingLink(): HTMLElement {
  const item = link('/billing', t('nav.billing'));
  item.hidden = true;
  const ws = getCurrentWorkspace();
  if (!ws) return item;
  void myWorkspaces()
    .then((items) => {
      item.hidden = !canReadBilling(items.find((w) => w.id === ws.id)?.role);
    })
    .catch(() => undefined); // the link stays hidden; the page itself reports API errors
  return item;
}

/** Keys that change a closed select's value at once (and fire `change`) in Chromium and Firefox. */
const BROWSE_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown']);

/**
 * A select of the user's workspaces; choosing one makes it current and opens its dashboard.
 * Arrow keys (and type-ahead) on the closed select change its value one step at a time, each
 * with a `change` event: those only browse, Enter switches, and leaving the select without
 * Enter puts the current workspace back. A pick from the open list (mouse, touch, or Alt+Down
 * then Enter) switches at once.
 */
function switcher(): HTMLElement {
  const current = getCurrentWorkspace();
  const select = h('select', { id: 'ws-switcher', name: 'workspace', 'aria-describedby': 'ws-switcher-hint' });
  select.append(h('option', { value: current?.id ?? '' }, current?.name ?? t('switcher.none')));
  const switchTo = () => {
    const option = select.selectedOptions[0];
    if (!option?.value || option.value === current?.id) return;
    setCurrentWorkspace({ id: option.value, name: option.textContent ?? option.value });
    navigate('/workspace', t('workspace.switched', { name: option.textContent ?? '' }));
  };
  let browsing = false;
  select.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      switchTo();
      return;
    }
    browsing = !event.altKey && !event.ctrlKey && !event.metaKey && (BROWSE_KEYS.has(event.key) || (event.key.length === 1 && event.key !== ' '));
    // The change, if any, comes with this key's default action, before the next task.
    if (browsing) setTimeout(() => (browsing = false));
  });
  select.addEventListener('change', () => {
    if (!browsing) switchTo();
  });
  select.addEventListener('blur', () => {
    const want = current?.id ?? '';
    if (select.value !== want) select.value = want;
  });
  void myWorkspaces()
    .then((items) => {
      if (!select.isConnected) return;
      const options = items.map((ws) => h('option', { value: ws.id, selected: ws.id === current?.id }, ws.name));
      replace(select, current || items.length === 0 ? null : h('option', { value: '' }, t('switcher.none')), ...options);
    })
    .catch(() => undefined); // the switcher keeps the current workspace; pages report API errors
  return h(
    'div',
    { class: 'switcher' },
    h('label', { for: select.id, class: 'inline-label' }, t('switcher.label')),
    select,
    h('span', { id: 'ws-switcher-hint', class: 'visually-hidden' }, t('switcher.hint')),
  );
}

/**
 * Until the user's email is verified: a banner that says so, resends the link, and checks
 * again once they have followed it (invitations can only be accepted with a verified email).
 */
function verifyBanner(user: SessionUser): HTMLElement | null {
  if (user.emailVerified || !user.email) return null;
  const resend = h('button', { type: 'button', class: 'link' }, t('verify.resend'));
  resend.addEventListener('click', () => {
    resendVerification()
      .then(() => showStatus(t('verify.sent', { email: user.email ?? '' })))
      .catch(showError);
  });
  const check = h('button', { type: 'button', class: 'link' }, t('verify.done'));
  check.addEventListener('click', () => {
    refreshVerification()
      .then((verified) => showStatus(verified ? t('verify.thanks') : t('verify.notYet')))
      .catch(showError);
  });
  return h('div', { class: 'verify-banner', role: 'region', 'aria-label': t('verify.label') }, h('p', {}, t('verify.text', { email: user.email }), ' ', resend, ' ', check));
}

/** Draws the header for the current user, workspace and route. Call on each change of those. */
export function renderHeader(): void {
  const user = currentUser();
  const account = user
    ? h('button', { type: 'button', class: 'link', onclick: () => void signOut().catch(showError) }, t('nav.signOut'))
    : null;
  replace(
    byId('header'),
    h('a', { class: 'brand', href: href('/') }, t('app.name')),
    h(
      'nav',
      { 'aria-label': t('nav.label') },
      h(
        'ul',
        {},
        link('/', t('nav.catalog')),
        user ? link('/workspace', t('nav.dashboard')) : null,
        user ? approvalsLink() : null,
        user ? link('/settings', t('nav.settings')) : null,
        user ? billingLink() : null,
        user ? link('/workspaces', t('nav.workspaces')) : null,
        user ? link('/account', t('nav.account')) : null,
        user ? null : link('/signin', t('nav.signIn')),
      ),
    ),
    user ? switcher() : null,
    user ? h('div', { class: 'account' }, h('span', { class: 'muted' }, user.email ?? ''), account) : null,
    user ? verifyBanner(user) : null,
  );
}
