/**
 * Redaction of secret values, in every form they take once printed: raw, base64 (standard and
 * URL-safe, at any byte offset), hex (either case), URL-encoded, JSON-escaped (once or twice).
 * Pure and shared: the server redacts everything a runner sends (the runner is untrusted), and
 * the runner redacts before sending. It lives in the contract because both sides need the same
 * rules and the runner may import nothing else of the platform.
 *
 * A value split across two consecutive log lines (or the last line of one batch and the first of
 * the next), directly or at a newline of its own, has both fragments replaced: `key=abc` +
 * `def rest` becomes `key=[REDACTED]` + `[REDACTED] rest`. A value holding newlines (a PEM key)
 * printed and cut into lines at them is replaced on every line it spans: first and last lines
 * from and up to where it starts and ends, lines in between whole. Otherwise a value spread over
 * three or more lines is not recognised (the runner keeps what the agent prints until it can cut
 * it safely, runner/src/capture.ts).
 */

/** Shorter values cannot be redacted without mangling ordinary text; the API refuses them. */
export const SECRET_MIN_LENGTH = 6;
export const REDACTED = '[REDACTED]';

/** The text a form of a value leaves in base64 whatever bytes precede or follow it (`offset` bytes before it). */
function base64Core(bytes: Uint8Array, offset: 0 | 1 | 2): string {
  const padded = new Uint8Array(offset + bytes.length);
  padded.set(bytes, offset);
  const full = base64(padded);
  // Leading characters mixing the preceding bytes' bits, trailing ones mixing the next bytes'.
  const start = offset === 0 ? 0 : offset + 1;
  const total = offset + bytes.length;
  const rem = total % 3;
  const end = Math.floor(total / 3) * 4 + (rem === 0 ? 0 : rem);
  return full.slice(start, end);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Written out: the contract runs in browsers and Node alike, with no platform types. */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    s += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return s;
}

function utf8(value: string): Uint8Array {
  const out: number[] = [];
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Every spelling of `value` to look for, longest first (so the longest match wins at a position). */
export function encodedForms(value: string): string[] {
  const bytes = utf8(value);
  const json = JSON.stringify(value).slice(1, -1);
  const url = encodeURIComponent(value);
  const forms = new Set<string>([
    value,
    json,
    // Python's json.dumps (ensure_ascii) and others escape every non-ASCII character.
    json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    JSON.stringify(json).slice(1, -1),
    url,
    url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    url.replace(/%20/g, '+'),
    hex(bytes),
    hex(bytes).toUpperCase(),
  ]);
  for (const offset of [0, 1, 2] as const) {
    const core = base64Core(bytes, offset);
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  // Padded base64 of the value alone (the cores stop short of the padding and the last characters).
  forms.add(base64(bytes));
  forms.add(base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  return [...forms].filter((f) => f.length >= SECRET_MIN_LENGTH).sort((a, b) => b.length - a.length);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where a value straddles the end of one text and the start of the next: cut points in each. */
export interface Straddle {
  /** Index in the first text where the fragment starts (replace from here to its end). */
  before: number;
  /** Index in the second text where the fragment ends (replace up to here). */
  after: number;
}

export interface Redactor {
  /** False when there is nothing to redact (no values): callers may skip work. */
  readonly active: boolean;
  /** Length of the longest form: a tail this long of a stream catches any value split at its end. */
  readonly longest: number;
  text(s: string): string;
  /** A copy of a JSON value with every string (keys included) redacted; never re-serialized. */
  json<T>(value: T): T;
  /** A form that starts in `first` and ends in `second`, if any. */
  straddle(first: string, second: string): Straddle | null;
  /**
   * Consecutive texts of a stream (log messages). `previous` is the text before them (the last
   * line of the previous batch), as it stands; when a value straddles it and the first text,
   * `previousCut` says where to cut it.
   */
  stream(texts: string[], previous?: string | null): { texts: string[]; previousCut: number | null };
}

const NONE: Redactor = {
  active: false,
  longest: 0,
  text: (s) => s,
  json: (v) => v,
  straddle: () => null,
  stream: (texts) => ({ texts, previousCut: null }),
};

/**
 * A redactor for a run's secret values: all forms computed once, matched with one regular
 * expression (an alternation, longest form first), so a string is scanned once whatever the
 * number of values and forms.
 */
export function createRedactor(values: Iterable<string>): Redactor {
  const forms = new Set<string>();
  for (const v of values) if (v.length >= SECRET_MIN_LENGTH) for (const f of encodedForms(v)) forms.add(f);
  if (forms.size === 0) return NONE;
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  const pattern = sorted.map(escapeRegExp).join('|');
  const global = new RegExp(pattern, 'g');
  const test = new RegExp(pattern);
  const longest = sorted[0]!.length;
  const withNewlines = sorted.filter((f) => f.includes('\n'));
  const multiline = withNewlines.length ? new RegExp(withNewlines.map(escapeRegExp).join('|'), 'g') : null;

  const text = (s: string): string => (s.length >= SECRET_MIN_LENGTH && test.test(s) ? s.replace(global, REDACTED) : s);

  const json = <T>(value: T): T => {
    if (typeof value === 'string') return text(value) as T;
    if (Array.isArray(value)) return value.map((v) => json(v)) as T;
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[text(k)] = json(v);
      return out as T;
    }
    return value;
  };

  const crossing = new RegExp(pattern, 'g');
  /** Joined directly (a value cut in two) or by the newline that split a printed value into lines. */
  const straddleWith = (first: string, second: string, joint: '' | '\n'): Straddle | null => {
    // Only a window around the boundary: the longest form minus one character on each side.
    const head = first.slice(-(longest - 1));
    const window = head + joint + second.slice(0, longest - 1);
    const boundary = head.length;
    const resume = boundary + joint.length;
    let found: Straddle | null = null;
    crossing.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = crossing.exec(window)) !== null && m.index < boundary) {
      const end = m.index + m[0].length;
      if (end > resume) {
        const cut = { before: first.length - head.length + m.index, after: end - resume };
        found = found ? { before: Math.min(found.before, cut.before), after: Math.max(found.after, cut.after) } : cut;
        crossing.lastIndex = end;
      } else {
        // A form wholly in the first text (redacted there) may hide one that crosses: look again one further.
        crossing.lastIndex = m.index + 1;
      }
    }
    return found;
  };
  const straddle = (first: string, second: string): Straddle | null => {
    if (first.length === 0 || second.length === 0) return null;
    const direct = straddleWith(first, second, '');
    const printed = straddleWith(first, second, '\n');
    if (!direct || !printed) return direct ?? printed;
    return { before: Math.min(direct.before, printed.before), after: Math.max(direct.after, printed.after) };
  };

  const stream = (texts: string[], previous?: string | null): { texts: string[]; previousCut: number | null } => {
    const cuts = texts.map(() => ({ head: 0, tail: Infinity }));
    let previousCut: number | null = null;
    if (previous && texts.length > 0) {
      const s = straddle(previous, texts[0]!);
      if (s) {
        previousCut = s.before;
        cuts[0]!.head = s.after;
      }
    }
    for (let i = 0; i + 1 < texts.length; i++) {
      const s = straddle(texts[i]!, texts[i + 1]!);
      if (s) {
        cuts[i]!.tail = Math.min(cuts[i]!.tail, s.before);
        cuts[i + 1]!.head = Math.max(cuts[i + 1]!.head, s.after);
      }
    }
    if (multiline) {
      // A value holding newlines (a PEM key) printed whole and cut into lines at them: any number of lines.
      const all = previous ? [previous, ...texts] : texts;
      const starts: number[] = [];
      let at = 0;
      for (const t of all) {
        starts.push(at);
        at += t.length + 1;
      }
      const lineOf = (pos: number) => {
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid]! <= pos) lo = mid;
          else hi = mid - 1;
        }
        return lo;
      };
      const offset = previous ? 1 : 0;
      multiline.lastIndex = 0;
      const joined = all.join('\n');
      let m: RegExpExecArray | null;
      while ((m = multiline.exec(joined)) !== null) {
        const first = lineOf(m.index);
        const last = lineOf(m.index + m[0].length - 1);
        if (first === last) continue;
        for (let line = first; line <= last; line++) {
          const i = line - offset;
          const from = line === first ? m.index - starts[line]! : 0;
          const to = line === last ? m.index + m[0].length - starts[line]! : Infinity;
          if (i < 0) previousCut = Math.min(previousCut ?? Infinity, from);
          else {
            if (from > 0 || to === Infinity) cuts[i]!.tail = Math.min(cuts[i]!.tail, from);
            if (to !== Infinity) cuts[i]!.head = Math.max(cuts[i]!.head, to);
            if (from === 0 && to === Infinity) cuts[i]!.head = Infinity;
          }
        }
      }
    }
    const out = texts.map((t, i) => {
      const { head, tail } = cuts[i]!;
      if (head === 0 && tail === Infinity) return text(t);
      if (head >= Math.min(tail, t.length)) return REDACTED;
      return (head > 0 ? REDACTED : '') + text(t.slice(head, tail === Infinity ? t.length : tail)) + (tail === Infinity ? '' : REDACTED);
    });
    return { texts: out, previousCut };
  };

  return { active: true, longest, text, json, straddle, stream };
}

/** `text` with its end from `cut` replaced (the first fragment of a value split across two texts). */
export function cutTail(text: string, cut: number): string {
  return cut <= 0 ? REDACTED : text.slice(0, cut) + REDACTED;
}
