export { api } from './triggers/api.js';
export { dispatchRun } from './triggers/dispatchRun.js';
export { scheduleTick } from './triggers/scheduler.js';
export { runWatchdog } from './triggers/watchdog.js';
export { deliverNotifications, retryNotification } from './triggers/notifications.js';
export { recordUsageEvents } from './triggers/usage.js';
export { stripeWebhook } from './triggers/stripeWebhook.js';
export { localBilling } from './triggers/localBilling.js';
export { localUploads } from './triggers/localUploads.js';
