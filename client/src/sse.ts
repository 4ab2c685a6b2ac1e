/** A text/event-stream parser: pure, shared by the run stream and its tests. */
export interface SseEvent {
  id: string | undefined;
  type: string;
  data: string;
}

/**
 * Incremental text/event-stream parser (WHATWG HTML, "server-sent events"): feed it text as it
 * arrives; it calls `onEvent` per dispatched event and `onRetry` for a `retry:` field.
 */
export function sseParser(onEvent: (e: SseEvent) => void, onRetry: (ms: number) => void = () => undefined): (text: string) => void {
  let buffer = '';
  let id: string | undefined;
  let type = '';
  let data: string[] = [];
  return (text) => {
    buffer += text;
    // A trailing CR may be the first half of a CRLF split across two reads: keep it for the next.
    const cut = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
    buffer = (lines.pop() ?? '') + buffer.slice(cut);
    for (const line of lines) {
      if (line === '') {
        if (data.length) onEvent({ id, type: type || 'message', data: data.join('\n') });
        type = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (name === 'data') data.push(value);
      else if (name === 'event') type = value;
      else if (name === 'id' && !value.includes('\0')) id = value;
      else if (name === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
    }
  };
}
