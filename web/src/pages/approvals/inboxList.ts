/**
 * The inbox's cards, newest first as the API lists them, and their list element: pages are
 * appended below, a live arrival is placed where its date puts it (at the top, as a rule).
 * An approval already shown is never shown twice.
 */
import type { Approval } from '@agent-marketplace/client';
import { newestFirst } from '../../live/approvalOrder.ts';
import { replace } from '../../ui/dom.ts';
import type { ApprovalCard } from './approvalCard.ts';

export interface InboxList {
  readonly cards: readonly ApprovalCard[];
  get(id: string): ApprovalCard | undefined;
  /** A page of older approvals, below the others (one already shown is redrawn instead). */
  append(approvals: Approval[]): void;
  /** An approval that was not shown, in its place. */
  insert(a: Approval): ApprovalCard;
  clear(): void;
}

export function inboxList(el: HTMLUListElement, cardOf: (a: Approval) => ApprovalCard): InboxList {
  let cards: ApprovalCard[] = [];
  const byId = new Map<string, ApprovalCard>();
  const add = (a: Approval, at: number): ApprovalCard => {
    const card = cardOf(a);
    byId.set(a.id, card);
    el.insertBefore(card.el, cards[at]?.el ?? null);
    cards.splice(at, 0, card);
    return card;
  };
  return {
    get cards() {
      return cards;
    },
    get: (id) => byId.get(id),
    append(approvals) {
      for (const a of approvals) {
        const known = byId.get(a.id);
        if (known) known.update(a);
        else add(a, cards.length);
      }
    },
    insert(a) {
      const at = cards.findIndex((c) => newestFirst(a, c.approval) < 0);
      return add(a, at === -1 ? cards.length : at);
    },
    clear() {
      cards = [];
      byId.clear();
      replace(el);
    },
  };
}
