import { getFunctions } from 'firebase-admin/functions';
import type { DispatchQueue, DispatchTask, EnqueueOptions } from '../../app/ports.js';
import { adminApp } from '../firestore/client.js';

/**
 * Enqueues onto the `dispatchRun` task queue function. The task id is derived from the run
 * and attempt, so Cloud Tasks itself refuses a second task for the same attempt; a watchdog
 * redelivery gets its own id (Cloud Tasks keeps a spent id for about an hour).
 */
export class CloudTasksDispatchQueue implements DispatchQueue {
  constructor(private readonly region: string) {}

  async enqueue(task: DispatchTask, options: EnqueueOptions = {}): Promise<void> {
    const queue = getFunctions(adminApp()).taskQueue<DispatchTask>(`locations/${this.region}/functions/dispatchRun`);
    const id = `run-${task.wsId}-${task.runId}-${task.attempt}${options.redelivery ? `-r${options.redelivery}` : ''}`;
    try {
      await queue.enqueue(task, { id, ...(options.delaySeconds ? { scheduleDelaySeconds: options.delaySeconds } : {}) });
    } catch (err) {
      if ((err as { code?: string }).code === 'functions/task-already-exists') return;
      throw err;
    }
  }
}
