/**
 * Whether the signed-in user reviews versions (a platform admin): the API alone knows, so the
 * review queue is asked once per session and user; only a 200 shows the way to it.
 */
import { api } from '../../api.ts';
import { currentUser } from '../../auth.ts';

let cached: { uid: string; answer: Promise<boolean> } | undefined;

export function canReview(): Promise<boolean> {
  const user = currentUser();
  if (!user) return Promise.resolve(false);
  if (cached?.uid !== user.uid) {
    // A refusal (403) or any failure: no link. The queue page itself reports what went wrong.
    cached = { uid: user.uid, answer: api.call('listReviewQueue').then(() => true, () => false) };
  }
  return cached.answer;
}
