import { getFunctions } from 'firebase-admin/functions';
import type { DispatchQueue, DispatchTask } from '../../app/ports.js';
import { adminApp } from '../firestore/client.js';

/**
 * Enqueues onto the `dispatchRun` task queue function. The task id is derived from the run
 * and attempt, so Cloud Tasks itself refuses a second task for the same attempt.
 */
export class CloudTasksDispatchQueue implements DispatchQueue {
  constructor(private readonly region: string) {}

  async enqueue(task: DispatchTask): Promise<void> {
    const queue = getFunctions(adminApp()).taskQueue<DispatchTask>(`locations/${this.region}/functions/dispatchRun`);
    try {
      await queue.enqueue(task, { id: `run-${task.wsId}-${task.runId}-${task.attempt}` });
    } catch (err) {
      if ((err as { code?: string }).code === 'functions/task-already-exists') return;
      throw err;
    }
  }
}
