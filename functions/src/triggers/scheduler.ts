import { logger } from 'firebase-functions/logger';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { fireDueSchedules } from '../app/schedules/scheduleTick.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';

/** Cloud Scheduler, every minute: starts the runs of due schedules (exactly once per slot). */
export const scheduleTick = onSchedule({ schedule: 'every 1 minutes', region: params.region, timeoutSeconds: 120, retryCount: 0 }, async () => {
  const result = await fireDueSchedules((await getDeps()).deps);
  logger.info('scheduleTick', result);
});
