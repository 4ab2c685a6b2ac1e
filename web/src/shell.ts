/** The page frame around every route: skip link, header with navigation, footer. */
import { currentUser, signOut } from './auth.ts';
import { getCurrentWorkspace } from './currentWorkspace.ts';
import { h, replace } from './dom.ts';
import { t } from './i18n.ts';
import { showError } from './messages.ts';
import { currentPath, href } from './router.ts';

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
}

const link = (path: string, label: string) => {
  const [here = '/'] = currentPath().split('?');
  const active = path === '/' ? here === '/' || here.startsWith('/agents/') : here.startsWith(path) || (path === '/workspace' && here.startsWith('/runs/'));
  return h('li', {}, h('a', { href: href(path), 'aria-current': active ? 'page' : null }, label));
};

/** Draws the header for the current user, workspace and route. Call on each change of those. */
export function renderHeader(): void {
  const user = currentUser();
  const ws = user ? getCurrentWorkspace() : null;
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
        user ? link('/workspace', ws ? t('nav.workspaceNamed', { name: ws.name }) : t('nav.workspace')) : null,
        user ? null : link('/signin', t('nav.signIn')),
      ),
    ),
    user ? h('div', { class: 'account' }, h('span', { class: 'muted' }, user.email ?? ''), account) : null,
  );
}
