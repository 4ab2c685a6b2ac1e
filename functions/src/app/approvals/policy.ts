import type { ApprovalPolicy, ApprovalRule } from '@agent-marketplace/contract';
import { checkRuleMembers, looserParts, REQUEST_ACTION, ruleFor, type ManifestApproval } from '../../domain/approvals.js';
import { AppError } from '../../domain/errors.js';
import type { Install } from '../../domain/models.js';
import type { Manifest } from '../../domain/manifest.js';
import type { Role } from '../../domain/roles.js';
import type { Deps } from '../deps.js';
import { everyItem } from '../shared/paging.js';
import { getInstall } from '../installs/installs.js';
import { actorId, type WorkspaceAccess } from '../shared/principal.js';

type PolicyDeps = Pick<Deps, 'installs' | 'catalog' | 'workspaces' | 'clock'>;

async function manifestOf(deps: Pick<Deps, 'catalog'>, install: Install): Promise<Manifest> {
  const manifest = await deps.catalog.getVersion(install.agentId, install.version);
  if (!manifest) throw new AppError('not_found', 'agent_version_not_found', `Version ${install.version} of ${install.agentId} does not exist.`);
  return manifest;
}

function policyView(install: Install, manifest: Manifest): ApprovalPolicy {
  const sources = { rules: install.approvalRules, shorthand: install.approvalPolicy };
  const rules: Record<string, ApprovalRule> = { ...(install.approvalRules ?? {}) };
  const gated = manifest.approvals.map((g) => {
    const { rule, key } = ruleFor(g, sources);
    if (!rules[g.action]) rules[g.action] = rule;
    return { action: g.action, risk: g.risk, description: g.description, rule: key };
  });
  return {
    rules,
    gated,
    updatedAt: install.approvalRulesUpdated?.at.toISOString() ?? null,
    updatedBy: install.approvalRulesUpdated?.by ?? null,
  };
}

export async function getApprovalPolicy(deps: Pick<Deps, 'installs' | 'catalog'>, wsId: string, installId: string): Promise<ApprovalPolicy> {
  const install = await getInstall(deps, wsId, installId);
  return policyView(install, await manifestOf(deps, install));
}

async function membersOf(deps: Pick<Deps, 'workspaces'>, wsId: string): Promise<Map<string, Role>> {
  return new Map((await everyItem((page) => deps.workspaces.listMembers(wsId, page))).map((m) => [m.uid, m.role]));
}

/** An agent's own requests, one per risk level: `risk:<level>` rules govern them (domain/approvals.ts REQUEST_ACTION). */
const REQUEST_GATES: ManifestApproval[] = (['low', 'medium', 'high', 'critical'] as const).map((risk) => ({ action: `${REQUEST_ACTION} (risk:${risk})`, risk, levels: 1, description: 'requests' }));

/** Throws 403 approval_policy_looser when `rules` would decide any gated action, or any request, less strictly than the install's rules now. */
function refuseLooser(install: Install, rules: Record<string, ApprovalRule>, gated: ManifestApproval[]): void {
  const before = { rules: install.approvalRules, shorthand: install.approvalPolicy };
  const after = { rules, shorthand: install.approvalPolicy };
  for (const g of [...gated, ...REQUEST_GATES]) {
    const looser = looserParts(ruleFor(g, before).rule, ruleFor(g, after).rule);
    if (looser.length) {
      const what = g.action.startsWith(REQUEST_ACTION) ? `risk:${g.risk} (agents' own requests)` : g.action;
      throw new AppError('forbidden', 'approval_policy_looser', `Only an owner may make approvals less strict: ${what}: ${looser.join('; ')}.`);
    }
  }
}

/**
 * Replaces an install's approval rules. Each rule must name a gated action of the install's
 * version (or a risk level), be decidable by the workspace's members, and, unless the caller
 * is an owner, be at least as strict as the rule it replaces (domain/approvals.ts looserParts).
 * Proposals already made keep the rule they were made under.
 */
export async function setApprovalPolicy(deps: PolicyDeps, access: WorkspaceAccess, installId: string, rules: Record<string, ApprovalRule>): Promise<ApprovalPolicy> {
  const install = await getInstall(deps, access.wsId, installId);
  const manifest = await manifestOf(deps, install);
  const gated = new Map(manifest.approvals.map((g) => [g.action, g]));
  const members = await membersOf(deps, access.wsId);
  for (const [key, rule] of Object.entries(rules)) {
    if (!key.startsWith('risk:') && !gated.has(key)) {
      throw new AppError('invalid', 'approval_policy_invalid', `${key} is not an approval-gated action of ${manifest.id}@${manifest.version}; gated: ${[...gated.keys()].join(', ') || '(none)'}.`);
    }
    checkRuleMembers(key, rule, members);
  }
  const at = deps.clock.now();
  const updated = await deps.installs.update(access.wsId, installId, (current) => {
    // Checked on the install as read in the write's transaction: two edits cannot loosen it between them.
    if (access.role !== 'owner') refuseLooser(current, rules, [...gated.values()]);
    return { next: { ...current, approvalRules: rules, approvalRulesUpdated: { at, by: actorId(access.principal) }, updatedAt: at } };
  });
  return policyView(updated, manifest);
}
