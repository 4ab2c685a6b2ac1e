/** Any address no route matches. */
import { h } from '../ui/dom.ts';
import { t } from '../i18n.ts';
import { href, type Page } from '../router.ts';
import { setTitle } from '../ui/common.ts';

export const notFoundPage: Page = (root) => {
  setTitle(t('notFound.title'));
  root.append(h('h1', {}, t('notFound.title')), h('p', {}, h('a', { href: href('/') }, t('notFound.back'))));
};
