import type { Manifest, Risk } from './manifest.js';
import type { Install } from './models.js';
import { validateAgainst } from './jsonSchema.js';
import type { FieldIssue } from './errors.js';

import { WIZARD_STEPS, type WizardStep } from '@agent-marketplace/contract/installs';

export { WIZARD_STEPS, type WizardStep };

export interface Readiness {
  ready: boolean;
  /** Everything still missing before deploy, each at the step that fixes it. */
  missing: { step: WizardStep; code: string; message: string }[];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set([...a, ...b]).size === a.length && new Set(a).size === a.length;

export function consentMatches(consent: Install['consent'], manifest: Manifest): boolean {
  return consent !== null && sameSet(consent.scopes, manifest.permissions.map((p) => p.scope));
}

/** What deploy needs: valid config, required secrets, consent to exactly the current permissions, a policy for each gated action. */
export function readiness(install: Install, manifest: Manifest): Readiness {
  const missing: Readiness['missing'] = [];
  const configIssues: FieldIssue[] = validateAgainst(manifest.config, install.config, 'config');
  for (const i of configIssues) missing.push({ step: 'configure', code: 'config_invalid', message: `${i.path} ${i.message}` });
  for (const s of manifest.secrets) {
    if (s.required && !install.secrets[s.name]) missing.push({ step: 'connect', code: 'secret_missing', message: `Secret ${s.name} is required.` });
  }
  if (!consentMatches(install.consent, manifest)) {
    missing.push({ step: 'consent', code: 'consent_required', message: `Accept the permissions of ${manifest.id}@${manifest.version}.` });
  }
  for (const a of manifest.approvals) {
    if (!install.approvalPolicy[a.action]) {
      missing.push({ step: 'triggers', code: 'approval_policy_missing', message: `Choose who approves ${a.action}.` });
    }
  }
  if (!install.triggers.manual && install.triggers.schedules.length === 0 && !install.triggers.webhook.enabled) {
    missing.push({ step: 'triggers', code: 'no_trigger', message: 'Enable at least one way to start runs.' });
  }
  return { ready: missing.length === 0, missing };
}

const RISK_ORDER: Record<Risk, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** How permissions change from one version to another; growth needs fresh consent. */
export function permissionDiff(from: Manifest, to: Manifest) {
  const before = new Map(from.permissions.map((p) => [p.scope, p]));
  const after = new Map(to.permissions.map((p) => [p.scope, p]));
  const added = to.permissions.filter((p) => !before.has(p.scope));
  const removed = from.permissions.filter((p) => !after.has(p.scope));
  const riskRaised = to.permissions
    .filter((p) => before.has(p.scope) && RISK_ORDER[p.risk] > RISK_ORDER[before.get(p.scope)!.risk])
    .map((p) => ({ scope: p.scope, from: before.get(p.scope)!.risk, to: p.risk }));
  const newlyGated = to.approvals.filter((a) => !from.approvals.some((b) => b.action === a.action)).map((a) => a.action);
  return { added, removed, riskRaised, newlyGated, needsConsent: added.length > 0 || riskRaised.length > 0 };
}
