import { getFunctions } from 'firebase-admin/functions';
import { publishVersionTask } from '../../app/publishing/pipelineTask.js';
import type { PipelineQueue, PipelineTask } from '../../app/publishing/ports.js';
import { adminApp } from '../firebaseApp.js';

/** Enqueues onto the `publishVersion` task queue function, one task id per step, submission and poll. */
export class CloudTasksPipelineQueue implements PipelineQueue {
  constructor(private readonly region: string) {}

  async enqueue(task: PipelineTask, options: { delaySeconds?: number } = {}): Promise<void> {
    const queue = getFunctions(adminApp()).taskQueue<PipelineTask>(`locations/${this.region}/functions/${publishVersionTask.name}`);
    try {
      await queue.enqueue(task, { id: publishVersionTask.taskId(task), ...(options.delaySeconds ? { scheduleDelaySeconds: options.delaySeconds } : {}) });
    } catch (err) {
      if ((err as { code?: string }).code === 'functions/task-already-exists') return;
      throw err;
    }
  }
}
