/**
 * Tabs (the WAI-ARIA tabs pattern): the tab list is one tab stop, the arrow keys, Home and
 * End move among the tabs and show each one's panel at once; Tab then goes into the panel.
 */
import { h } from '../../ui/dom.ts';

export interface Tab {
  key: string;
  title: string;
  content: HTMLElement;
}

const KEYS: Record<string, (i: number, n: number) => number> = {
  ArrowRight: (i, n) => (i + 1) % n,
  ArrowLeft: (i, n) => (i - 1 + n) % n,
  Home: () => 0,
  End: (_i, n) => n - 1,
};

export function tabs(id: string, label: string, list: Tab[]): HTMLElement {
  const buttons = list.map((tab, i) =>
    h('button', { type: 'button', role: 'tab', id: `${id}-tab-${tab.key}`, 'aria-controls': `${id}-panel-${tab.key}`, 'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? 0 : -1 }, tab.title),
  );
  const panels = list.map((tab, i) => h('div', { role: 'tabpanel', id: `${id}-panel-${tab.key}`, 'aria-labelledby': `${id}-tab-${tab.key}`, class: 'tab-panel', hidden: i !== 0 }, tab.content));
  const select = (at: number) => {
    buttons.forEach((b, i) => {
      b.setAttribute('aria-selected', String(i === at));
      b.tabIndex = i === at ? 0 : -1;
      panels[i]!.hidden = i !== at;
    });
  };
  const bar = h('div', { role: 'tablist', 'aria-label': label, class: 'tablist' }, ...buttons);
  buttons.forEach((b, i) => b.addEventListener('click', () => select(i)));
  bar.addEventListener('keydown', (event) => {
    const move = KEYS[event.key];
    const at = buttons.indexOf(event.target as HTMLButtonElement);
    if (!move || at < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const to = move(at, buttons.length);
    select(to);
    buttons[to]!.focus();
  });
  return h('div', { class: 'tabs', id }, bar, ...panels);
}
