/**
 * Each level of the install's memory a page at a time (task keys by prefix, vector memories
 * and episodes newest first), one tab per level; "Load more" follows the API's cursor. Owners
 * and admins get a Forget button on each item, after a confirmation; the vector tab also
 * searches by meaning (vectorSearch.ts).
 */
import type { ItemOf } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t, tn, type PluralKey } from '../../i18n.ts';
import { showError, showStatus } from '../../messages.ts';
import { href } from '../../router.ts';
import { field } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { tabs } from '../cloud/tabs.ts';
import { metadataText, valuePreview, type MemoryLevel } from './memoryFigures.ts';
import { vectorSearch } from './vectorSearch.ts';

/** Items per page: a screenful, well under the API's 100. */
export const MEMORY_PAGE = 20;

type TaskItem = ItemOf<'listInstallMemoryTask'>;
type VectorItem = ItemOf<'listInstallMemoryVector'>;
type EpisodeItem = ItemOf<'listInstallMemoryEpisodes'>;

export interface BrowseContext {
  wsId: string;
  installId: string;
  canManage: boolean;
  signal: AbortSignal;
  /** After an item is forgotten: the page reads the summary again. */
  onForgot(): void;
}

interface LevelSpec<T> {
  level: MemoryLevel;
  load(cursor: string | undefined): Promise<{ items: T[]; nextCursor: string | null }>;
  /** What the item shows, and the attribute that names it (`data-key`, ...). */
  content(item: T): HTMLElement;
  mark(item: T): [string, string];
  /** How the confirmation and the status name it. */
  name(item: T): string;
  forget(item: T): Promise<{ deleted: boolean }>;
  showing: PluralKey;
  empty: string;
}

let rowIds = 0;

/** One level's list: pages appended as they come, a status line that counts them, Forget on each row for managers. */
function levelList<T>(ctx: BrowseContext, spec: LevelSpec<T>): { el: HTMLElement; reload(): Promise<void> } {
  const list = h('ul', { class: 'rows memory-items', id: `memory-${spec.level}-list`, 'aria-label': t(`memory.browse.listLabel.${spec.level}`) });
  const status = h('p', { class: 'hint', role: 'status', id: `memory-${spec.level}-status` });
  const more = h('button', { type: 'button', class: 'secondary' }, t('common.loadMore'));
  more.hidden = true;
  let shown = 0;
  let cursor: string | null = null;
  let generation = 0;

  const paintStatus = () => {
    replace(status, shown === 0 ? spec.empty : tn(spec.showing, shown, { more: cursor ? t('runs.moreExist') : '' }));
    more.hidden = !cursor;
  };

  const row = (item: T): HTMLElement => {
    const id = `memory-row-${++rowIds}`;
    const [attr, value] = spec.mark(item);
    const li = h('li', { [attr]: value }, h('div', { id, class: 'memory-item' }, spec.content(item)));
    if (!ctx.canManage) return li;
    const forget = h('button', { type: 'button', class: 'secondary', 'aria-describedby': id }, t('memory.forget'));
    forget.addEventListener('click', () => {
      if (!confirm(t('memory.confirmForget', { what: spec.name(item) }))) return;
      void busy(forget, async () => {
        const r = await spec.forget(item);
        // Focus goes to the next item's button (or the previous one's, or the status line): never to the page's body.
        const next = (li.nextElementSibling ?? li.previousElementSibling)?.querySelector<HTMLButtonElement>('button');
        li.remove();
        shown--;
        paintStatus();
        if (next) next.focus();
        else {
          status.tabIndex = -1;
          status.focus();
        }
        showStatus(t(r.deleted ? 'memory.forgotten' : 'memory.alreadyGone', { what: spec.name(item) }));
        ctx.onForgot();
      }).catch(showError);
    });
    li.append(forget);
    return li;
  };

  const load = async (reset: boolean) => {
    const mine = reset ? ++generation : generation;
    if (reset) {
      shown = 0;
      cursor = null;
      replace(list);
      replace(status, t('common.loading'));
      more.hidden = true;
    } else if (!cursor) return;
    const page = await spec.load(reset ? undefined : (cursor ?? undefined));
    if (mine !== generation) return;
    list.append(...page.items.map(row));
    shown += page.items.length;
    cursor = page.nextCursor;
    paintStatus();
  };
  more.addEventListener('click', () => void busy(more, () => load(false)).catch(showError));
  return { el: h('div', { class: 'memory-level', 'data-level': spec.level }, status, list, more), reload: () => load(true) };
}

const updated = (at: string) => t('memory.updated', { when: formatDateTime(at) });

function taskContent(item: TaskItem): HTMLElement {
  return h(
    'div',
    {},
    h('code', { class: 'memory-key' }, item.key),
    h('p', { class: 'muted' }, t('memory.task.version', { version: item.version }), ' · ', updated(item.updatedAt)),
    h('pre', { class: 'memory-value' }, valuePreview(item.value)),
  );
}

function vectorContent(item: VectorItem): HTMLElement {
  const meta = metadataText(item.metadata);
  return h(
    'div',
    {},
    h('strong', { class: 'memory-key' }, item.id),
    h('p', { class: 'memory-text' }, item.text),
    h('p', { class: 'muted' }, meta ? `${meta} · ` : '', updated(item.updatedAt)),
  );
}

function episodeContent(wsId: string, item: EpisodeItem): HTMLElement {
  return h(
    'div',
    {},
    h('a', { href: href(`/runs/${encodeURIComponent(wsId)}/${encodeURIComponent(item.runId)}`) }, t('memory.episode.run', { id: item.runId })),
    ' ',
    h('span', { class: `state state-${item.outcome}` }, t(`memory.episode.outcome.${item.outcome}`)),
    h('p', { class: 'muted' }, formatDateTime(item.at)),
    h('p', {}, h('strong', {}, t('memory.episode.saw')), ' ', item.saw),
    h('p', {}, h('strong', {}, t('memory.episode.did')), ' ', item.did),
  );
}

/** The three tabs; each loads its first page at once. Answers `reload` for after "Forget everything". */
export function browseSection(container: HTMLElement, ctx: BrowseContext): { reload(): Promise<void> } {
  const { wsId, installId, signal } = ctx;
  const params = { wsId, installId };

  const prefix = h('input', { id: 'memory-task-prefix', name: 'prefix', autocomplete: 'off', spellcheck: 'false', class: 'code' });
  const task = levelList<TaskItem>(ctx, {
    level: 'task',
    load: (cursor) => api.call('listInstallMemoryTask', { params, query: { prefix: prefix.value.trim(), limit: MEMORY_PAGE, cursor }, signal }),
    content: taskContent,
    mark: (i) => ['data-key', i.key],
    name: (i) => t('memory.task.name', { key: i.key }),
    // A key may hold `/`: the client percent-encodes each parameter, so it travels as %2F.
    forget: (i) => api.call('forgetInstallMemoryTask', { params: { ...params, key: i.key } }),
    showing: 'memory.task.showing',
    empty: t('memory.task.empty'),
  });
  const filter = h('button', { type: 'submit', class: 'secondary' }, t('memory.task.filter'));
  const filterForm = h('form', { class: 'inline memory-filter', role: 'search', 'aria-label': t('memory.task.filterLabel') }, field(prefix, t('memory.task.prefix'), '', t('memory.task.prefixHint')), filter);
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(filter, () => task.reload()).catch(showError);
  });

  const vector = levelList<VectorItem>(ctx, {
    level: 'vector',
    load: (cursor) => api.call('listInstallMemoryVector', { params, query: { limit: MEMORY_PAGE, cursor }, signal }),
    content: vectorContent,
    mark: (i) => ['data-vector', i.id],
    name: (i) => t('memory.vector.name', { id: i.id }),
    forget: (i) => api.call('forgetInstallMemoryVector', { params: { ...params, id: i.id } }),
    showing: 'memory.vector.showing',
    empty: t('memory.vector.empty'),
  });
  const episodes = levelList<EpisodeItem>(ctx, {
    level: 'episode',
    load: (cursor) => api.call('listInstallMemoryEpisodes', { params, query: { limit: MEMORY_PAGE, cursor }, signal }),
    content: (i) => episodeContent(wsId, i),
    mark: (i) => ['data-run', i.runId],
    name: (i) => t('memory.episode.name', { id: i.runId }),
    forget: (i) => api.call('forgetInstallMemoryEpisode', { params: { ...params, runId: i.runId } }),
    showing: 'memory.episode.showing',
    empty: t('memory.episode.empty'),
  });

  container.append(
    tabs('memory-tabs', t('memory.browse.levels'), [
      { key: 'task', title: t('memory.level.task'), content: h('div', {}, h('p', { class: 'hint' }, t('memory.task.intro')), filterForm, task.el) },
      { key: 'vector', title: t('memory.level.vector'), content: h('div', {}, h('p', { class: 'hint' }, t('memory.vector.intro')), vectorSearch(params, signal), h('h3', {}, t('memory.vector.all')), vector.el) },
      { key: 'episode', title: t('memory.level.episode'), content: h('div', {}, h('p', { class: 'hint' }, t('memory.episode.intro')), episodes.el) },
    ]),
  );
  const reload = async () => {
    await Promise.all([task.reload(), vector.reload(), episodes.reload()]);
  };
  return { reload };
}
