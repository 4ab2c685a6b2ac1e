/**
 * Coalesces heartbeats and progress: at most one request per `minIntervalMs`, always
 * carrying the latest progress, plus a keep-alive every `keepAliveMs` when the agent is quiet.
 */
export class Heartbeat {
  private latest: { percent: number; message: string } | undefined;
  private dirty = false;
  private lastSent = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private keepAlive: ReturnType<typeof setInterval> | null = null;
  private inflight: Promise<void> = Promise.resolve();

  private readonly send: (progress: { percent: number; message: string } | undefined) => Promise<void>;
  private readonly minIntervalMs: number;
  private readonly keepAliveMs: number;

  constructor(send: (progress: { percent: number; message: string } | undefined) => Promise<void>, minIntervalMs = 1000, keepAliveMs = 15_000) {
    this.send = send;
    this.minIntervalMs = minIntervalMs;
    this.keepAliveMs = keepAliveMs;
  }

  start(): void {
    this.keepAlive = setInterval(() => this.beat(undefined), this.keepAliveMs);
    this.keepAlive.unref();
  }

  beat(progress: { percent: number; message: string } | undefined): void {
    if (progress) this.latest = progress;
    this.dirty = true;
    const wait = this.lastSent + this.minIntervalMs - Date.now();
    if (wait <= 0) this.fire();
    else this.timer ??= setTimeout(() => this.fire(), wait);
  }

  /** Sends a beat still waiting for its slot (the latest progress), then stops. */
  async stop(): Promise<void> {
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.dirty && this.latest) this.fire();
    await this.inflight;
  }

  private fire(): void {
    this.timer = null;
    if (!this.dirty) return;
    this.dirty = false;
    this.lastSent = Date.now();
    const progress = this.latest;
    // Heartbeats are advisory: a failed one is dropped, the next one carries the state.
    this.inflight = this.inflight.then(() => this.send(progress).catch(() => undefined));
  }
}
