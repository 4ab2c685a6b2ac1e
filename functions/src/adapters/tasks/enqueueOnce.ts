import { getFunctions } from 'firebase-admin/functions';
import { adminApp } from '../firebaseApp.js';

/**
 * Enqueues a task onto a task queue function under a task id of its own. Cloud Tasks refuses a
 * second task with an id it has seen (for about an hour): that is the dedupe, so it is success.
 */
export async function enqueueOnce<T extends Record<string, unknown>>(region: string, functionName: string, task: T, id: string, delaySeconds?: number): Promise<void> {
  const queue = getFunctions(adminApp()).taskQueue<T>(`locations/${region}/functions/${functionName}`);
  try {
    await queue.enqueue(task, { id, ...(delaySeconds ? { scheduleDelaySeconds: delaySeconds } : {}) });
  } catch (err) {
    if ((err as { code?: string }).code === 'functions/task-already-exists') return;
    throw err;
  }
}
