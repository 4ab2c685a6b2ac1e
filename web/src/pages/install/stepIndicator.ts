/** The wizard's six steps as an ordered list of links: done, current (aria-current="step"), still to do. */
import type { Install, WizardStep } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { complete, stepLabel } from '../../labels.ts';
import { h } from '../../ui/dom.ts';

/** In order (the contract's WIZARD_STEPS; `complete` checks this list against its type). */
export const STEPS = complete<WizardStep>()(['choose', 'configure', 'connect', 'consent', 'triggers', 'review']);

const KEYS: Record<string, (i: number, n: number) => number> = {
  ArrowRight: (i, n) => (i + 1) % n,
  ArrowDown: (i, n) => (i + 1) % n,
  ArrowLeft: (i, n) => (i - 1 + n) % n,
  ArrowUp: (i, n) => (i - 1 + n) % n,
  Home: () => 0,
  End: (_i, n) => n - 1,
};

/**
 * `skippable` steps have nothing to do for this agent (no secrets to connect, say): they
 * count as done once a later step is.
 *
 * The list is one tab stop (a roving tabindex): Tab reaches the open step's link, the arrow
 * keys, Home and End move among the steps, Enter opens one. So each step's own controls are
 * not six Tab presses away, and the steps stay reachable. A hint says so, to screen readers
 * (as the links' description) and on screen while the list has focus.
 */
export function stepIndicator(install: Install, current: WizardStep, hrefOf: (step: WizardStep) => string, skippable: WizardStep[] = []): HTMLElement {
  const doneAt = (i: number) => STEPS[i]! in install.steps || (skippable.includes(STEPS[i]!) && STEPS.slice(i + 1).some((s) => s in install.steps));
  const hintId = 'wizard-steps-hint';
  const links = STEPS.map((step, i) => {
    const done = doneAt(i);
    const label = [h('span', { class: 'step-no', 'aria-hidden': 'true' }, String(i + 1)), ' ', stepLabel(step), done ? h('span', { class: 'visually-hidden' }, ` (${t('wizard.done')})`) : null];
    return h('a', { href: hrefOf(step), 'aria-current': step === current ? 'step' : null, 'aria-describedby': hintId, tabindex: step === current ? 0 : -1 }, ...label);
  });
  const nav = h(
    'nav',
    { class: 'steps', 'aria-label': t('wizard.stepsLabel') },
    h(
      'ol',
      {},
      ...STEPS.map((step, i) => {
        const done = doneAt(i);
        return h('li', { class: `step${done ? ' step-done' : ''}${step === current ? ' step-current' : ''}` }, links[i]);
      }),
    ),
    h('p', { class: 'steps-hint', id: hintId }, t('wizard.stepsHint')),
  );
  nav.addEventListener('keydown', (event) => {
    const move = KEYS[event.key];
    const at = links.indexOf(event.target as HTMLAnchorElement);
    if (!move || at < 0 || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const to = links[move(at, links.length)]!;
    // The focused link is the one tab stop (and a tabindex of -1 would also hide its focus ring).
    for (const link of links) link.tabIndex = link === to ? 0 : -1;
    to.focus();
  });
  return nav;
}
