/**
 * Markdown from publishers (descriptions, release notes) as safe DOM: rendered by `marked`,
 * then sanitised by DOMPurify (no scripts, handlers, styles, forms or images; links open
 * with no referrer). Headings move down two levels so a description's `#` cannot outrank
 * the page's own h1 and h2.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: false, async: false });

const purify = DOMPurify(window);
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('rel', 'nofollow noopener noreferrer');
    node.setAttribute('target', '_blank');
  }
});

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
  return fragment;
}
