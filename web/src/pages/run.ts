/** `#/runs/:wsId/:runId`: a run's state, progress, history and logs, live. */
import { h, replace } from '../dom.ts';
import { formatDateTime, formatTime, t } from '../i18n.ts';
import { levelLabel, stateLabel } from '../labels.ts';
import { subscribeRun, type LiveEvent, type LiveLogChunk, type LiveLogLine, type LiveRun } from '../live/runFeed.ts';
import { showError, showErrorText } from '../messages.ts';
import { href, type Page } from '../router.ts';
import { details, requireUser, section, setTitle } from './common.ts';

const when = (d: Date | null) => (d ? h('time', { datetime: d.toISOString() }, formatDateTime(d)) : null);

function summary(run: LiveRun): Node[] {
  const out: Node[] = [
    details([
      [t('run.agent'), h('a', { href: href(`/agents/${encodeURIComponent(run.agentId)}`) }, `${run.agentId} ${run.agentVersion}`)],
      [t('run.attempt'), String(run.attempt)],
      [t('run.created'), when(run.createdAt)],
      [t('run.started'), when(run.startedAt)],
      [t('run.finished'), when(run.finishedAt)],
    ]),
  ];
  if (run.progress) {
    const percent = Math.max(0, Math.min(100, run.progress.percent));
    out.push(
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'run-progress' }, t('run.progress', { percent: Math.round(percent) })),
        h('progress', { id: 'run-progress', max: 100, value: percent }),
        run.progress.message ? h('p', { class: 'hint' }, run.progress.message) : null,
      ),
    );
  }
  if (run.error) out.push(h('p', { class: 'run-error' }, t('run.error', { code: run.error.code, message: run.error.message })));
  if (run.outputs && Object.keys(run.outputs).length) {
    out.push(h('h3', {}, t('run.outputs')), h('pre', { class: 'outputs', tabindex: 0 }, JSON.stringify(run.outputs, null, 2)));
  }
  return out;
}

function eventItem(e: LiveEvent): HTMLElement {
  const text = e.from
    ? t('run.transition', { from: stateLabel(e.from), to: stateLabel(e.to), reason: e.reason })
    : t('run.transitionFirst', { to: stateLabel(e.to), reason: e.reason });
  return h('li', {}, e.at ? h('time', { datetime: e.at.toISOString() }, formatTime(e.at)) : null, ' ', text);
}

function lineItem(line: LiveLogLine): HTMLElement {
  const fields = line.fields && Object.keys(line.fields).length ? ` ${JSON.stringify(line.fields)}` : '';
  return h(
    'li',
    { class: `log-line level-${line.level}` },
    h('time', { datetime: line.ts }, formatTime(line.ts)),
    h('span', { class: 'level' }, levelLabel(line.level)),
    h('span', { class: 'msg' }, line.msg + fields),
  );
}

/** Log lines in chunk order; chunks usually arrive in order and are appended. */
function logView(): { el: HTMLElement; add(chunk: LiveLogChunk): void } {
  const list = h('ol', { class: 'log-lines' });
  const empty = h('p', { class: 'muted' }, t('run.logsEmpty'));
  const el = h('div', { class: 'log', tabindex: 0, role: 'region', 'aria-label': t('run.logs') }, empty, list);
  const chunks: LiveLogChunk[] = [];
  return {
    el,
    add(chunk) {
      empty.remove();
      const follow = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
      const last = chunks.at(-1);
      if (!last || chunk.seq > last.seq) {
        chunks.push(chunk);
        list.append(...chunk.lines.map(lineItem));
      } else {
        chunks.push(chunk);
        chunks.sort((a, b) => a.seq - b.seq);
        replace(list, ...chunks.flatMap((c) => c.lines.map(lineItem)));
      }
      if (follow) el.scrollTop = el.scrollHeight;
    },
  };
}

export const runPage: Page = (root, { params, signal }) => {
  if (!requireUser()) return;
  const wsId = params.wsId ?? '';
  const runId = params.runId ?? '';
  setTitle(t('run.title', { id: runId }));

  const state = h('p', { class: 'state-line', 'aria-live': 'polite' }, t('common.loading'));
  const overview = h('div');
  const history = h('ol', { class: 'events' });
  const logs = logView();
  root.append(
    h('h1', {}, t('run.title', { id: runId })),
    state,
    overview,
    section('run-history', t('run.history'), history),
    section('run-logs', t('run.logs'), logs.el),
  );

  let shownState: string | undefined;
  const unsubscribe = subscribeRun(wsId, runId, {
    run(run) {
      if (!run) {
        replace(state);
        showErrorText(t('run.notFound'));
        return;
      }
      // The state line is a live region: touch it only when the state changes, not on each heartbeat.
      if (run.state !== shownState) {
        shownState = run.state;
        replace(state, t('run.state'), ' ', h('span', { class: `state state-${run.state}` }, stateLabel(run.state)));
      }
      replace(overview, ...summary(run));
    },
    event: (e) => history.append(eventItem(e)),
    logChunk: (chunk) => logs.add(chunk),
    error(err) {
      replace(state, t('run.feedStopped'));
      showError(err);
    },
  });
  signal.addEventListener('abort', unsubscribe);
};
