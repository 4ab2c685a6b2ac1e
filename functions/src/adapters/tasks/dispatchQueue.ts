import { getFunctions } from 'firebase-admin/functions';
import { dispatchRunTask } from '../../app/runs/backgroundTasks.js';
import type { DispatchQueue, DispatchTask, EnqueueOptions } from '../../app/runs/ports.js';
import { adminApp } from '../firebaseApp.js';

/** Enqueues onto the `dispatchRun` task queue function, with the task ids app/backgroundTasks.ts defines. */
export class CloudTasksDispatchQueue implements DispatchQueue {
  constructor(private readonly region: string) {}

  async enqueue(task: DispatchTask, options: EnqueueOptions = {}): Promise<void> {
    const queue = getFunctions(adminApp()).taskQueue<DispatchTask>(`locations/${this.region}/functions/${dispatchRunTask.name}`);
    const id = dispatchRunTask.taskId(task, options.redelivery);
    try {
      await queue.enqueue(task, { id, ...(options.delaySeconds ? { scheduleDelaySeconds: options.delaySeconds } : {}) });
    } catch (err) {
      if ((err as { code?: string }).code === 'functions/task-already-exists') return;
      throw err;
    }
  }
}
