/**
 * A virtualised log viewer: fixed-height rows, and only the rows in view (plus a few either
 * side) exist in the DOM, so 100,000 lines scroll and grow as smoothly as 100. Lines arrive
 * as chunks (placed by their `seq`, even when one comes late); a level filter and a search
 * narrow what is shown; "Follow" keeps the newest line in view until the reader scrolls up.
 * Lines are not cut off: the viewport (focusable) scrolls sideways, with the arrow keys too.
 */
import type { LogLevel } from '@agent-marketplace/client';
import { formatCount, formatTime, t, tn } from '../i18n.ts';
import { levelLabel } from '../labels.ts';
import { h, replace } from './dom.ts';

export interface ViewerLine {
  ts: string;
  level: LogLevel;
  msg: string;
  fields?: Record<string, unknown> | undefined;
  /** The agent printed it (console.log, stderr) rather than logging it through the SDK. */
  stream?: 'stdout' | 'stderr' | undefined;
}
export interface ViewerChunk {
  seq: number;
  attempt: number;
  lines: ViewerLine[];
}

interface Stored {
  line: ViewerLine;
  text: string;
  /** Lower-cased `text`, for the search. */
  lower: string;
  rank: number;
}

export interface LogViewer {
  el: HTMLElement;
  add(chunk: ViewerChunk): void;
  /** Lines held (not only those shown). */
  readonly size: number;
}

/** Row height in px; matches `.log-row` in styles.css. */
export const ROW_HEIGHT = 20;
const OVERSCAN = 10;
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const LEVEL_FILTERS = ['debug', 'info', 'warn', 'error'] as const;

let viewerSeq = 0;

export function logViewer(label: string): LogViewer {
  const id = `log-${++viewerSeq}`;
  const stored: Stored[] = [];
  /** Chunk boundaries in `stored`, in seq order: where a late chunk goes. */
  const chunks: { seq: number; start: number; count: number }[] = [];
  const seen = new Set<string>();
  let shown: number[] = [];
  let minRank = 0;
  let needle = '';
  /** The longest line's length in characters: the rows' width, so the log scrolls sideways to its end. */
  let widest = 0;

  const level = h(
    'select',
    { id: `${id}-level`, name: 'level' },
    ...LEVEL_FILTERS.map((l) => h('option', { value: l, selected: l === 'debug' }, t(`log.filter.${l}`))),
  );
  const search = h('input', { id: `${id}-search`, type: 'search', name: 'search', autocomplete: 'off', 'aria-controls': `${id}-viewport` });
  const follow = h('input', { id: `${id}-follow`, type: 'checkbox', name: 'follow', checked: true });
  const count = h('p', { class: 'hint', id: `${id}-count`, role: 'status' }, t('run.logsEmpty'));
  const spacer = h('div', { class: 'log-spacer' });
  const rows = h('div', { class: 'log-rows', role: 'list', 'aria-label': label });
  const viewport = h('div', { class: 'log-viewport', id: `${id}-viewport`, tabindex: 0, role: 'region', 'aria-label': label, 'aria-describedby': count.id }, spacer, rows);
  const toolbar = h(
    'div',
    { class: 'log-toolbar' },
    h('div', { class: 'field' }, h('label', { for: level.id }, t('log.level')), level),
    h('div', { class: 'field' }, h('label', { for: search.id }, t('log.search')), search),
    h('div', { class: 'field check' }, follow, h('label', { for: follow.id }, t('log.follow'))),
  );
  const el = h('div', { class: 'log-viewer' }, toolbar, count, viewport);

  const passes = (s: Stored) => s.rank >= minRank && (needle === '' || s.lower.includes(needle));

  function refilter(): void {
    shown = [];
    for (let i = 0; i < stored.length; i++) if (passes(stored[i]!)) shown.push(i);
    layout();
  }

  function paintCount(): void {
    if (stored.length === 0) replace(count, t('run.logsEmpty'));
    else if (shown.length === stored.length) replace(count, tn('log.count', stored.length));
    else replace(count, t('log.countFiltered', { shown: formatCount(shown.length), n: formatCount(stored.length) }));
  }

  let autoScrolling = false;
  function layout(): void {
    spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
    // Monospace: a character is 1ch. Before it: the time (12 characters), the level, gaps and padding.
    spacer.style.width = `calc(${widest + 12}ch + 3.2rem + 2.5rem)`;
    paintCount();
    if (follow.checked) {
      autoScrolling = true;
      viewport.scrollTop = viewport.scrollHeight;
    }
    paint();
  }

  function row(index: number): HTMLElement {
    const s = stored[index]!;
    const line = s.line;
    const msg = h('span', { class: 'msg' });
    if (needle) {
      // Highlight each match (only rows in view are built, so this stays cheap).
      let at = 0;
      for (let i = s.lower.indexOf(needle); i !== -1; i = s.lower.indexOf(needle, i + needle.length)) {
        msg.append(s.text.slice(at, i), h('mark', {}, s.text.slice(i, i + needle.length)));
        at = i + needle.length;
      }
      msg.append(s.text.slice(at));
    } else msg.textContent = s.text;
    return h(
      'div',
      { class: `log-row level-${line.level}`, role: 'listitem', title: s.text, 'aria-posinset': index + 1, 'aria-setsize': stored.length },
      h('time', { datetime: line.ts }, formatTime(line.ts)),
      h('span', { class: 'level' }, levelLabel(line.level)),
      msg,
    );
  }

  let painted = '';
  function paint(): void {
    const height = viewport.clientHeight || 400;
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(shown.length, Math.ceil((viewport.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    const key = `${first}:${last}:${shown.length}:${needle}:${minRank}:${stored.length}`;
    if (key === painted) return;
    painted = key;
    rows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) out.push(row(shown[i]!));
    rows.replaceChildren(...out);
  }

  // At most one layout or paint per frame, however many chunks or scroll events arrive.
  let frame = 0;
  let pendingLayout = false;
  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (pendingLayout) {
        pendingLayout = false;
        layout();
      } else paint();
    });
  };

  viewport.addEventListener('scroll', () => {
    if (autoScrolling) autoScrolling = false;
    else {
      const atBottom = viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - ROW_HEIGHT;
      if (follow.checked !== atBottom) follow.checked = atBottom;
    }
    schedule();
  });
  follow.addEventListener('change', () => {
    if (follow.checked) layout();
  });
  level.addEventListener('change', () => {
    minRank = RANK[level.value as LogLevel] ?? 0;
    refilter();
  });
  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      needle = search.value.trim().toLowerCase();
      follow.checked = needle === '' && follow.checked;
      refilter();
    }, 150);
  });
  // The viewport's height is known only once it is in the page (and changes with the window).
  new ResizeObserver(() => {
    painted = '';
    paint();
  }).observe(viewport);

  function toStored(line: ViewerLine): Stored {
    const fields = line.fields && Object.keys(line.fields).length ? ` ${JSON.stringify(line.fields)}` : '';
    const text = (line.stream ? `${line.stream}: ` : '') + line.msg + fields;
    widest = Math.max(widest, text.length);
    return { line, text, lower: text.toLowerCase(), rank: RANK[line.level] ?? 1 };
  }

  return {
    el,
    get size() {
      return stored.length;
    },
    add(chunk) {
      const key = `${chunk.attempt}:${chunk.seq}`;
      if (seen.has(key)) return; // delivered twice (a reconnect, a transport switch)
      seen.add(key);
      const items = chunk.lines.map(toStored);
      const last = chunks.at(-1);
      if (!last || chunk.seq >= last.seq) {
        chunks.push({ seq: chunk.seq, start: stored.length, count: items.length });
        const base = stored.length;
        for (let i = 0; i < items.length; i++) {
          stored.push(items[i]!);
          if (passes(items[i]!)) shown.push(base + i);
        }
      } else {
        // A late chunk: insert it in place and rebuild the indexes (rare).
        const at = chunks.findIndex((c) => c.seq > chunk.seq);
        const start = chunks[at]!.start;
        stored.splice(start, 0, ...items);
        chunks.splice(at, 0, { seq: chunk.seq, start, count: items.length });
        for (let i = at + 1; i < chunks.length; i++) chunks[i]!.start += items.length;
        shown = [];
        for (let i = 0; i < stored.length; i++) if (passes(stored[i]!)) shown.push(i);
      }
      // Many chunks in one frame make one layout.
      pendingLayout = true;
      schedule();
    },
  };
}
