import { dispatchRunTask } from '../../app/runs/backgroundTasks.js';
import type { DispatchQueue, DispatchTask, EnqueueOptions } from '../../app/runs/ports.js';
import { enqueueOnce } from './enqueueOnce.js';

/** Enqueues onto the `dispatchRun` task queue function, with the task ids app/backgroundTasks.ts defines. */
export class CloudTasksDispatchQueue implements DispatchQueue {
  constructor(private readonly region: string) {}

  enqueue(task: DispatchTask, options: EnqueueOptions = {}): Promise<void> {
    return enqueueOnce(this.region, dispatchRunTask.name, { ...task }, dispatchRunTask.taskId(task, options.redelivery), options.delaySeconds);
  }
}
