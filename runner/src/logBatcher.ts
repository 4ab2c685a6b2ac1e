import type { LogLine } from './types.js';

export interface LogBatcherOptions {
  /** Sends one batch; resolves once the platform has stored it. */
  send(batch: { seq: number; lines: LogLine[] }): Promise<void>;
  /** Flush when this many lines are waiting. */
  maxLines?: number;
  /** Flush when the waiting lines' JSON reaches about this many bytes. */
  maxBytes?: number;
  /** Flush at most this long after the first waiting line. */
  maxDelayMs?: number;
  /** Longest message kept; longer ones are cut with a marker. */
  maxMessageChars?: number;
  /**
   * Bytes of lines waiting to be sent, at most. An agent that logs faster than the platform
   * stores loses the excess (counted, and reported in one line) instead of filling the memory.
   */
  maxQueuedBytes?: number;
  /** Applied to each batch just before it is sent (the runner's secret redaction). */
  redact?: (lines: LogLine[]) => LogLine[];
}

/**
 * Batches log lines by count, size and a short time window, and sends batches strictly
 * one after another with consecutive sequence numbers, so the stored order is the
 * emitted order and a retried batch is recognised by its `seq`.
 */
export class LogBatcher {
  private pending: LogLine[] = [];
  private pendingBytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly maxDelayMs: number;
  private readonly maxMessageChars: number;
  private readonly maxQueuedBytes: number;
  /** Bytes in batches handed to `send` and not yet stored. */
  private queuedBytes = 0;
  private dropped = 0;

  private readonly options: LogBatcherOptions;

  constructor(options: LogBatcherOptions) {
    this.options = options;
    this.maxLines = options.maxLines ?? 500;
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.maxDelayMs = options.maxDelayMs ?? 250;
    this.maxMessageChars = options.maxMessageChars ?? 16_000;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 32 * 1024 * 1024;
  }

  /** Lines dropped so far because the agent logged faster than they could be sent. */
  get droppedLines(): number {
    return this.dropped;
  }

  add(line: LogLine): void {
    if (this.queuedBytes + this.pendingBytes >= this.maxQueuedBytes) {
      this.dropped++;
      return;
    }
    if (this.dropped > 0) {
      const n = this.dropped;
      this.dropped = 0;
      this.add({ ts: new Date().toISOString(), level: 'warn', msg: `${n} log lines were dropped: the agent logged faster than they could be sent.` });
    }
    const msg = line.msg.length > this.maxMessageChars ? `${line.msg.slice(0, this.maxMessageChars)}…[truncated]` : line.msg;
    const kept = { ...line, msg };
    const bytes = JSON.stringify(kept).length;
    if (this.pendingBytes + bytes > this.maxBytes) this.flushPending();
    this.pending.push(kept);
    this.pendingBytes += bytes;
    if (this.pending.length >= this.maxLines) this.flushPending();
    else this.timer ??= setTimeout(() => this.flushPending(), this.maxDelayMs);
  }

  /** Sends whatever is waiting and resolves when every batch so far is stored. */
  async flush(): Promise<void> {
    if (this.dropped > 0) {
      this.pending.push({ ts: new Date().toISOString(), level: 'warn', msg: `${this.dropped} log lines were dropped: the agent logged faster than they could be sent.` });
      this.dropped = 0;
    }
    this.flushPending();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flushPending(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const batch = { seq: this.seq++, lines: this.options.redact ? this.options.redact(this.pending) : this.pending };
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.queuedBytes += bytes;
    this.chain = this.chain.then(async () => {
      try {
        if (this.failure) return;
        await this.options.send(batch);
      } catch (err) {
        this.failure = err;
      } finally {
        this.queuedBytes -= bytes;
      }
    });
  }
}
