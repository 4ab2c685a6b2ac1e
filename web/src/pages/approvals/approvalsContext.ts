/** Who is looking at approvals (uid and role, to offer Approve and Reject) and the workspace's members by name. */
import type { Role } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { currentUser } from '../../auth.ts';
import { t } from '../../i18n.ts';
import type { NameOf } from './approvalText.ts';
import type { Viewer } from './eligibility.ts';

export interface ApprovalsContext {
  viewer: Viewer;
  nameOf: NameOf;
  /** The workspace's members (the first 100), for the policy editor's named approvers. */
  members: { uid: string; email: string | null; role: Role }[];
}

export async function loadApprovalsContext(wsId: string, signal: AbortSignal): Promise<ApprovalsContext> {
  const uid = currentUser()?.uid ?? '';
  const [ws, members] = await Promise.all([
    api.call('getWorkspace', { params: { wsId }, signal }),
    api.call('listMembers', { params: { wsId }, query: { limit: 100 }, signal }),
  ]);
  const emails = new Map(members.items.map((m) => [m.uid, m.email ?? m.uid]));
  const nameOf: NameOf = (who) => {
    const name = emails.get(who) ?? who;
    return who === uid ? t('approvals.you', { name }) : name;
  };
  return { viewer: { uid, role: ws.role }, nameOf, members: members.items.map((m) => ({ uid: m.uid, email: m.email, role: m.role })) };
}
