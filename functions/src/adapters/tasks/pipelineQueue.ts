import { publishVersionTask } from '../../app/publishing/pipelineTask.js';
import type { PipelineQueue, PipelineTask } from '../../app/publishing/ports.js';
import { enqueueOnce } from './enqueueOnce.js';

/** Enqueues onto the `publishVersion` task queue function, one task id per step, submission and poll. */
export class CloudTasksPipelineQueue implements PipelineQueue {
  constructor(private readonly region: string) {}

  enqueue(task: PipelineTask, options: { delaySeconds?: number } = {}): Promise<void> {
    return enqueueOnce(this.region, publishVersionTask.name, { ...task }, publishVersionTask.taskId(task), options.delaySeconds);
  }
}
