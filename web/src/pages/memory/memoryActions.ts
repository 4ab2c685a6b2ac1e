/**
 * Export and "Forget everything". The export reads every page (`nextCursor` until null) and
 * saves them as one JSON file (no embeddings: the API never sends them). Forgetting everything
 * is for owners and admins, after a confirmation: the API deletes one bounded batch per call,
 * so the page calls again while `more`, showing how far it got.
 */
import { api } from '../../api.ts';
import { formatCount, t, tn } from '../../i18n.ts';
import { showError, showStatus } from '../../messages.ts';
import { saveBytes } from '../../ui/download.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { exportFileName, mergeExport, type ExportPage } from './memoryFigures.ts';

export interface ActionsContext {
  wsId: string;
  installId: string;
  canManage: boolean;
  signal: AbortSignal;
  /** Items held now (the summary's total), for the progress of forgetting them. */
  items(): number;
  /** After everything is forgotten: the page reads the summary and the lists again. */
  onForgotAll(): Promise<void>;
}

function exportPart(ctx: ActionsContext): HTMLElement {
  const params = { wsId: ctx.wsId, installId: ctx.installId };
  const run = h('button', { type: 'button', class: 'secondary', 'aria-describedby': 'memory-export-status' }, t('memory.export.button'));
  const status = h('p', { class: 'hint', id: 'memory-export-status', role: 'status' });
  run.addEventListener('click', () => {
    void busy(run, async () => {
      const pages: ExportPage[] = [];
      let cursor: string | undefined;
      do {
        replace(status, t('memory.export.reading', { n: pages.length + 1 }));
        const page = await api.call('exportInstallMemory', { params, query: { cursor }, signal: ctx.signal });
        pages.push(page);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const file = mergeExport(pages);
      const name = exportFileName(file);
      saveBytes(new TextEncoder().encode(JSON.stringify(file, null, 2)), name, 'application/json');
      const n = file.task.length + file.vector.length + file.episodes.length;
      replace(status, tn('memory.export.done', n, { name }));
    }).catch((err: unknown) => {
      replace(status);
      showError(err);
    });
  });
  return h('div', { class: 'memory-export' }, h('h3', {}, t('memory.export.title')), h('p', {}, t('memory.export.intro')), run, status);
}

function forgetAllPart(ctx: ActionsContext): HTMLElement {
  const params = { wsId: ctx.wsId, installId: ctx.installId };
  const run = h('button', { type: 'button', class: 'secondary', 'aria-describedby': 'memory-forget-all-intro' }, t('memory.forgetAll.button'));
  const progress = h('div', { class: 'memory-forget-progress', 'aria-live': 'polite', id: 'memory-forget-all-progress' });
  run.addEventListener('click', () => {
    const total = ctx.items();
    if (!confirm(t('memory.forgetAll.confirm', { n: formatCount(total) }))) return;
    void busy(run, async () => {
      let deleted = 0;
      const bar = h('progress', { id: 'memory-forget-all-bar', max: Math.max(total, 1), value: 0 });
      const said = h('p', { id: 'memory-forget-all-said' }, t('memory.forgetAll.started'));
      replace(progress, h('label', { for: bar.id, class: 'visually-hidden' }, t('memory.forgetAll.progressLabel')), bar, said);
      for (;;) {
        const r = await api.call('forgetInstallMemory', { params, signal: ctx.signal });
        deleted += r.deleted;
        // The summary's count may lag what was stored: the bar grows with what is forgotten.
        bar.max = Math.max(bar.max, deleted, 1);
        bar.value = deleted;
        if (!r.more) break;
        replace(said, tn('memory.forgetAll.sofar', deleted));
      }
      bar.value = bar.max;
      replace(said, tn('memory.forgetAll.done', deleted));
      showStatus(tn('memory.forgetAll.done', deleted));
      await ctx.onForgotAll();
    }).catch((err: unknown) => {
      replace(progress);
      showError(err);
    });
  });
  return h(
    'div',
    { class: 'memory-forget-all' },
    h('h3', {}, t('memory.forgetAll.title')),
    h('p', { id: 'memory-forget-all-intro' }, t('memory.forgetAll.intro')),
    run,
    progress,
  );
}

export function memoryActions(container: HTMLElement, ctx: ActionsContext): void {
  container.append(exportPart(ctx), ctx.canManage ? forgetAllPart(ctx) : h('p', { class: 'run-note' }, t('memory.readOnly')));
}
