/**
 * What the wizard hands each step, and the wizard's address. Apart from the page itself, so
 * steps (and the dashboard's "Edit triggers" link) need not import the page and all its steps.
 */
import type { AgentVersionDetail, Install, WizardStep } from '@agent-marketplace/client';

export interface StepContext {
  wsId: string;
  install: Install;
  version: AgentVersionDetail;
  root: HTMLElement;
  signal: AbortSignal;
  /** Opens the step after this one. */
  next(): void;
  go(step: WizardStep): void;
}

export const wizardPath = (wsId: string, installId: string, step?: WizardStep) =>
  `/install/${encodeURIComponent(wsId)}/${encodeURIComponent(installId)}${step ? `?step=${step}` : ''}`;
