/**
 * Hash routing: `#/agents/:id` style patterns, one page rendered into the outlet at a time.
 * Each page gets an AbortSignal that fires when the user leaves it: pages pass it to fetch
 * and hang their listeners' unsubscribe on it.
 */
import { clearMessages, showError, showStatus } from './messages.ts';

export interface PageContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Aborted when this page is left or re-rendered. */
  signal: AbortSignal;
}

export type Page = (root: HTMLElement, ctx: PageContext) => void | Promise<void>;

export interface Route {
  pattern: string;
  /** The page, or a loader of its chunk: pages other than the catalog are loaded when first visited. */
  page: Page | { load: () => Promise<Page> };
}

let routes: Route[] = [];
let outlet: HTMLElement;
let notFound: Page;
let onRender: () => void = () => undefined;
let current: AbortController | undefined;
let flash: string | undefined;
let rendered = false;

function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = got[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (part !== value) return null;
  }
  return params;
}

/** The current location as a path and query, e.g. `/agents/x` and `next=...`. */
export function currentPath(): string {
  return location.hash.replace(/^#/, '') || '/';
}

async function render(): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;

  const address = currentPath();
  const [path = '/', search = ''] = address.split('?');
  const found = routes.map((r) => ({ r, params: match(r.pattern, path) })).find((x) => x.params !== null);
  const root = document.createElement('div');
  outlet.replaceChildren(root);
  clearMessages();
  onRender();
  if (flash) showStatus(flash);
  flash = undefined;

  const ctx: PageContext = { params: found?.params ?? {}, query: new URLSearchParams(search), signal: controller.signal };
  try {
    const route = found?.r.page ?? notFound;
    const page = typeof route === 'function' ? route : await route.load();
    if (controller.signal.aborted) return;
    // The address moved on while the page's code loaded, its hashchange not handled yet: a page
    // run now would act on an address no longer asked for (a redirect would replace the new one).
    if (currentPath() !== address) return void render();
    const done = page(root, ctx);
    // Pages draw their heading before they wait for data: move focus to it, so keyboard and
    // screen reader users land on the new page (not on first load, where focus starts at the top).
    if (rendered) focusHeading(root);
    rendered = true;
    await done;
  } catch (err) {
    if (!controller.signal.aborted) showError(err);
  }
}

function focusHeading(root: HTMLElement): void {
  const heading = root.querySelector<HTMLElement>('h1');
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus();
}

export function startRouter(options: { routes: Route[]; outlet: HTMLElement; notFound: Page; onRender?: () => void }): void {
  ({ routes, outlet, notFound } = options);
  if (options.onRender) onRender = options.onRender;
  window.addEventListener('hashchange', () => void render());
  void render();
}

/**
 * Goes to `path` (e.g. `/workspace`), optionally showing `message` on the page it lands on.
 * `replace` swaps the history entry (for redirects, so Back does not bounce straight back).
 */
export function navigate(path: string, message?: string, options: { replace?: boolean } = {}): void {
  flash = message;
  if (currentPath() === path) void render();
  else if (options.replace) location.replace(`#${path}`);
  else location.hash = `#${path}`;
}

/**
 * Rewrites the current address's query (the catalog's search and filters, say) without
 * rendering the page again. `push` adds a history entry (a new page of results), so Back
 * returns to the previous one; otherwise the entry is replaced (each keystroke of a search).
 */
export function setQuery(params: Record<string, string | number | undefined | null>, options: { push?: boolean } = {}): void {
  const [path = '/'] = currentPath().split('?');
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const text = qs.toString();
  const url = `#${path}${text ? `?${text}` : ''}`;
  if (url === location.hash) return;
  if (options.push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

/** Renders the current page again (after sign-in or sign-out, say). */
export const refresh = (): void => void render();

export const href = (path: string): string => `#${path}`;
