/** What a publisher's pages say to someone who is not a member: the API answers 404, and so does the page. */
import { ApiError } from '../../api.ts';
import { t } from '../../i18n.ts';
import { href } from '../../router.ts';
import { setTitle } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { PUBLISHERS_PATH } from './devPaths.ts';

/** Draws the "not found" page and returns true for a 404; anything else is left to the caller. */
export function showNotFound(root: HTMLElement, err: unknown, what: string): boolean {
  if (!(err instanceof ApiError) || err.status !== 404) return false;
  setTitle(t('dev.notFoundTitle'));
  root.replaceChildren(
    h('h1', {}, t('dev.notFoundTitle')),
    h('p', { id: 'dev-not-found' }, t('dev.notFound', { what })),
    h('p', {}, h('a', { href: href(PUBLISHERS_PATH) }, t('dev.backToPublishers'))),
  );
  return true;
}
