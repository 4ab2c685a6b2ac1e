/** An agent's reviews (paged) and, for a signed-in user, the form to write or edit theirs. */
import { currentUser } from '../../auth.ts';
import type { Review } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t } from '../../i18n.ts';

import { showError, showStatus } from '../../messages.ts';
import { currentPath, href } from '../../router.ts';
import { field, pagedList } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';

function reviewItem(r: Review): HTMLElement {
  return h(
    'li',
    { class: 'review' },
    h('p', {}, h('strong', {}, r.authorName), ' ', h('span', { class: 'rating' }, t('review.stars', { n: r.rating })), ' ', h('time', { class: 'muted', datetime: r.updatedAt }, formatDateTime(r.updatedAt))),
    r.text ? h('p', {}, r.text) : null,
  );
}

function reviewForm(agentId: string, mine: Review | undefined, onSaved: (avg: number, count: number) => void): HTMLElement {
  const stars = [5, 4, 3, 2, 1].map((n) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'rating', value: n, required: true, checked: mine?.rating === n }), t('review.stars', { n })),
  );
  const text = h('textarea', { id: 'review-text', name: 'text', rows: 4, maxlength: 4000 });
  text.value = mine?.text ?? '';
  const submit = h('button', { type: 'submit' }, mine ? t('review.update') : t('review.submit'));
  const form = h(
    'form',
    { class: 'review-form', 'aria-labelledby': 'review-form-title' },
    h('h3', { id: 'review-form-title' }, mine ? t('review.editTitle') : t('review.formTitle')),
    h('fieldset', {}, h('legend', {}, t('review.rating')), h('div', { class: 'choices' }, ...stars)),
    field(text, t('review.text'), '', t('review.textHint')),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const rating = Number(new FormData(form).get('rating'));
    void busy(submit, async () => {
      const saved = await api.call('putMyReview', { params: { agentId }, body: { rating, text: text.value.trim() } });
      showStatus(t('review.saved'));
      onSaved(saved.agentRating.avg, saved.agentRating.count);
    }).catch(showError);
  });
  return form;
}

export async function reviewsSection(container: HTMLElement, agentId: string, signal: AbortSignal, onRating: (avg: number, count: number) => void): Promise<void> {
  const list = h('div');
  const formSlot = h('div');
  container.append(list, formSlot);
  const user = currentUser();
  const render = async (): Promise<void> => {
    replace(list);
    let mine: Review | undefined;
    await pagedList(
      list,
      h('ul', { class: 'reviews' }),
      async (cursor) => {
        const page = await api.call('listReviews', { params: { agentId }, query: { cursor }, signal });
        mine ??= page.items.find((r) => r.uid === user?.uid);
        return page;
      },
      reviewItem,
      () => h('p', {}, t('review.none')),
    );
    replace(
      formSlot,
      user
        ? reviewForm(agentId, mine, (avg, count) => {
            onRating(avg, count);
            void render().catch(showError);
          })
        : h('p', {}, h('a', { href: href(`/signin?next=${encodeURIComponent(currentPath())}`) }, t('review.signIn'))),
    );
  };
  await render();
}

