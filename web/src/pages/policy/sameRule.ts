/** Comparing approval rules as the editor needs to: does the edited rule say anything new? */
import type { ApprovalRule } from '@agent-marketplace/client';

/** Whether two rules say the same (whatever the order of keys, roles and members). */
export function sameRule(a: ApprovalRule | undefined, b: ApprovalRule | undefined): boolean {
  const norm = (r: ApprovalRule | undefined) =>
    r && {
      allowRequester: r.allowRequester,
      levels: r.levels.map((l) => ({ roles: [...l.approvers.roles].sort(), members: [...l.approvers.members].sort(), required: l.required, slaMinutes: l.slaMinutes, onExpiry: l.onExpiry })),
    };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
