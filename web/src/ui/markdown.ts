/**
 * Markdown from publishers (descriptions, release notes) as safe DOM: rendered by `marked`,
 * then sanitised by DOMPurify (no scripts, handlers, styles, forms or images; links open
 * with no referrer). Headings move down two levels so a description's `#` cannot outrank
 * the page's own h1 and h2. Tables sit in a box of their own: their cells wrap to fit a
 * narrow screen, and a table still too wide scrolls inside that box (a labelled, focusable
 * region, so the keyboard can scroll it), never the page.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { t } from '../i18n.ts';
import { h } from './dom.ts';

const marked = new Marked({ gfm: true, breaks: false, async: false });

const purify = DOMPurify(window);
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('rel', 'nofollow noopener noreferrer');
    node.setAttribute('target', '_blank');
  }
});

/**
 * Makes `el` (a box with `overflow-x: auto`) a labelled region in the tab order while, and
 * only while, its content is wider than it: keyboard users can then focus it and scroll it
 * with the arrow keys; when everything fits it is no extra tab stop. Follows its size.
 */
function scrollRegionWhenWide(el: HTMLElement, label: string): void {
  const update = () => {
    if (el.scrollWidth > el.clientWidth + 1) {
      el.setAttribute('tabindex', '0');
      el.setAttribute('role', 'region');
      el.setAttribute('aria-label', label);
    } else {
      if (el === document.activeElement) el.blur();
      el.removeAttribute('tabindex');
      el.removeAttribute('role');
      el.removeAttribute('aria-label');
    }
  };
  const observer = new ResizeObserver(update);
  observer.observe(el);
  if (el.firstElementChild) observer.observe(el.firstElementChild);
}

export function renderMarkdown(source: string): DocumentFragment {
  const html = marked.parse(source) as string;
  const fragment = purify.sanitize(html, {
    RETURN_DOM_FRAGMENT: true,
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'img', 'iframe', 'svg', 'math'],
    FORBID_ATTR: ['style', 'id', 'class'],
  });
  for (const heading of [...fragment.querySelectorAll('h1, h2, h3, h4, h5, h6')]) {
    const level = Math.min(6, Number(heading.tagName[1]) + 2);
    const lower = document.createElement(`h${level}`);
    lower.append(...heading.childNodes);
    heading.replaceWith(lower);
  }
  for (const table of [...fragment.querySelectorAll('table')]) {
    const columns = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim() ?? '').filter(Boolean);
    const box = h('div', { class: 'table-scroll' });
    table.replaceWith(box);
    box.append(table);
    scrollRegionWhenWide(box, columns.length ? t('markdown.table', { columns: columns.join(', ') }) : t('markdown.tableUntitled'));
  }
  return fragment;
}
