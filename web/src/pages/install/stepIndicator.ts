/** The wizard's six steps as an ordered list: done, current (aria-current="step"), still to do. */
import type { Install, WizardStep } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { complete, stepLabel } from '../../labels.ts';
import { h } from '../../ui/dom.ts';

/** In order (functions/src/domain/install.ts WIZARD_STEPS). */
export const STEPS = complete<WizardStep>()(['choose', 'configure', 'connect', 'consent', 'triggers', 'review']);

/**
 * `skippable` steps have nothing to do for this agent (no secrets to connect, say): they
 * count as done once a later step is.
 */
export function stepIndicator(install: Install, current: WizardStep, hrefOf: (step: WizardStep) => string, skippable: WizardStep[] = []): HTMLElement {
  const doneAt = (i: number) => STEPS[i]! in install.steps || (skippable.includes(STEPS[i]!) && STEPS.slice(i + 1).some((s) => s in install.steps));
  return h(
    'nav',
    { class: 'steps', 'aria-label': t('wizard.stepsLabel') },
    h(
      'ol',
      {},
      ...STEPS.map((step, i) => {
        const done = doneAt(i);
        const label = [h('span', { class: 'step-no', 'aria-hidden': 'true' }, String(i + 1)), ' ', stepLabel(step), done ? h('span', { class: 'visually-hidden' }, ` (${t('wizard.done')})`) : null];
        return h(
          'li',
          { class: `step${done ? ' step-done' : ''}${step === current ? ' step-current' : ''}` },
          h('a', { href: hrefOf(step), 'aria-current': step === current ? 'step' : null }, ...label),
        );
      }),
    ),
  );
}
