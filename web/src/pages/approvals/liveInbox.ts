/**
 * Keeps the inbox's pending view in step with the live pending list (live/approvalsFeed.ts).
 * A new approval gets a card in its place (newest first, so at the top); one that changed is
 * redrawn in place; one that left the list (decided elsewhere, expired, withdrawn) is read
 * again and redrawn in place with its new state, saying so, and stays until the next load,
 * so nothing moves under the reader. Cards are never rebuilt: a comment being typed, and the
 * focus, stay where they are.
 */
import type { Approval } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { reaches } from '../../live/approvalOrder.ts';
import type { ApprovalCard } from './approvalCard.ts';
import { approvalStateLabel } from './approvalText.ts';
import type { InboxList } from './inboxList.ts';

export interface LiveInbox {
  /** One delivery: the pending approvals down to `through` (null: all of them). Returns how many were not shown before. */
  apply(pending: Approval[], through: Pick<Approval, 'createdAt' | 'id'> | null): number;
}

/**
 * Whether `next` is older than what the card shows (a poll answered late, a listener's
 * snapshot from before a decision this page made): approvals only move forward.
 */
const behind = (shown: Approval, next: Approval): boolean =>
  (shown.state !== 'pending' && next.state === 'pending') || next.decisions.length < shown.decisions.length || next.level < shown.level;

export function liveInbox(
  inbox: InboxList,
  options: {
    /** The approval as it is now (null when it cannot be read). */
    reread(id: string): Promise<Approval | null>;
    /** A card left the pending list and shows its new state. */
    left(card: ApprovalCard): void;
  },
): LiveInbox {
  const rereading = new Set<string>();

  const leave = (card: ApprovalCard) => {
    const id = card.approval.id;
    rereading.add(id);
    void options
      .reread(id)
      .then((now) => {
        // A decision made on this page meanwhile redraws the card with its own answer.
        if (!now || card.deciding || behind(card.approval, now)) return;
        // Said first: if the buttons vanish under the keyboard, focus moves to this line (approvalCard.ts).
        if (now.state !== 'pending') card.say(t('approvals.live.left', { state: approvalStateLabel(now.state) }), 'info');
        card.update(now);
        if (now.state !== 'pending') options.left(card);
      })
      .finally(() => rereading.delete(id));
  };

  return {
    apply(pending, through) {
      let arrived = 0;
      const listed = new Set<string>();
      for (const a of pending) {
        listed.add(a.id);
        const card = inbox.get(a.id);
        if (!card) {
          inbox.insert(a);
          arrived++;
        } else if (!card.deciding && !behind(card.approval, a)) {
          card.update(a);
        }
      }
      // Shown as pending, within the listened range, and gone from it: it moved on elsewhere.
      for (const card of inbox.cards) {
        const a = card.approval;
        if (a.state === 'pending' && !listed.has(a.id) && reaches(a, through) && !card.deciding && !rereading.has(a.id)) leave(card);
      }
      return arrived;
    },
  };
}
