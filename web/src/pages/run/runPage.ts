/**
 * `#/runs/:wsId/:runId`: a run, live: state, progress, error, outputs, its proposals of
 * approval-gated actions (proposalsSection.ts), history of transitions, the log viewer, and
 * Cancel while it has not finished. Live data comes from live/runFeed.ts, which says which
 * transport it uses; the page only shows that.
 */
import { api } from '../../api.ts';
import { formatDateTime, formatTime, t, tn } from '../../i18n.ts';
import { isTerminal, stateLabel } from '../../labels.ts';
import { subscribeRun, type LiveEvent, type LiveRun } from '../../live/runFeed.ts';
import { showError, showErrorText, showStatus } from '../../messages.ts';
import { href, type Page } from '../../router.ts';
import { details, requireUser, section, setTitle } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { logViewer } from '../../ui/logViewer.ts';
import { proposalsView } from './proposalsSection.ts';

const when = (d: Date | null) => (d ? h('time', { datetime: d.toISOString() }, formatDateTime(d)) : null);

function summary(run: LiveRun): Node[] {
  const out: Node[] = [
    details([
      [t('run.agent'), h('a', { href: href(`/agents/${encodeURIComponent(run.agentId)}`) }, `${run.agentId} ${run.agentVersion}`)],
      [t('run.attempt'), String(run.attempt)],
      // Resumed attempts are not retries: say how many of the attempts were resumes.
      [t('run.resumes'), run.resumes > 0 ? tn('run.resumedTimes', run.resumes) : null],
      [t('run.created'), when(run.createdAt)],
      [t('run.started'), when(run.startedAt)],
      [t('run.finished'), when(run.finishedAt)],
      [t('run.duration'), run.startedAt && run.finishedAt ? t('run.seconds', { n: ((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1) }) : null],
    ]),
  ];
  if (run.progress && !isTerminal(run.state)) {
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
  // On a run still in progress, the error is why the last attempt failed (a retry follows).
  const errorKey = !isTerminal(run.state) ? 'run.retrying' : run.state === 'timed_out' ? 'run.timedOut' : run.state === 'canceled' ? 'run.canceled' : 'run.error';
  if (run.error) out.push(h('p', { class: run.state === 'canceled' ? 'run-note' : 'run-error' }, t(errorKey, { code: run.error.code, message: run.error.message })));
  else if (run.state === 'timed_out') out.push(h('p', { class: 'run-error' }, t('run.timedOutPlain')));
  if (run.outputs && Object.keys(run.outputs).length) {
    out.push(h('h3', {}, t('run.outputs')), h('pre', { class: 'outputs', tabindex: 0, 'aria-label': t('run.outputs') }, JSON.stringify(run.outputs, null, 2)));
  }
  return out;
}

function eventItem(e: LiveEvent): HTMLElement {
  const text = e.from
    ? t('run.transition', { from: stateLabel(e.from), to: stateLabel(e.to), reason: e.reason })
    : t('run.transitionFirst', { to: stateLabel(e.to), reason: e.reason });
  return h('li', {}, e.at ? h('time', { datetime: e.at.toISOString() }, formatTime(e.at)) : null, ' ', text);
}

export const runPage: Page = (root, { params, signal }) => {
  if (!requireUser()) return;
  const wsId = params.wsId ?? '';
  const runId = params.runId ?? '';
  setTitle(t('run.title', { id: runId }));

  const state = h('p', { class: 'state-line', 'aria-live': 'polite' }, t('common.loading'));
  const transport = h('p', { class: 'transport hint', 'data-transport': '' });
  const cancel = h('button', { type: 'button', class: 'secondary danger', hidden: true }, t('run.cancel'));
  const overview = h('div');
  const history = h('ol', { class: 'events' });
  const logs = logViewer(t('run.logs'));
  const proposals = proposalsView(wsId, runId, signal);
  root.append(
    h('h1', {}, t('run.title', { id: runId })),
    state,
    proposals.line,
    transport,
    h('div', { class: 'actions' }, cancel),
    overview,
    proposals.el,
    section('run-history', t('run.history'), history),
    section('run-logs', t('run.logs'), logs.el),
  );

  cancel.addEventListener('click', () => {
    void busy(cancel, async () => {
      await api.call('cancelRun', { params: { wsId, runId } });
      showStatus(t('run.cancelRequested'));
    }).catch(showError);
  });

  let shownState: string | undefined;
  const unsubscribe = subscribeRun(wsId, runId, {
    transport(kind) {
      transport.dataset.transport = kind;
      if (kind === 'sse') proposals.useFallback();
      replace(transport, kind === 'firestore' ? t('run.transport.firestore') : t('run.transport.sse'));
    },
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
        cancel.hidden = isTerminal(run.state);
      }
      replace(overview, ...summary(run));
      proposals.run(run);
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
