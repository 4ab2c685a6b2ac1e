import { endpoints } from '@agent-marketplace/contract';
import {
  channelView,
  createChannel,
  deleteChannel,
  deliveryView,
  getChannel,
  listChannels,
  listDeliveries,
  rotateChannelSecret,
  testChannel,
  updateChannel,
} from '../../app/notifications/channels.js';
import { implement } from '../route.js';

export const notificationRoutes = [
  implement(endpoints.listNotificationChannels, async ({ deps, params, query }) => {
    const page = await listChannels(deps, params.wsId, query);
    return { body: { items: page.items.map(channelView), nextCursor: page.nextCursor } };
  }),
  implement(endpoints.createNotificationChannel, async ({ deps, access, body }) => {
    const { channel, signingSecret } = await createChannel(deps, access!, body);
    return { body: { ...channelView(channel), signingSecret } };
  }),
  implement(endpoints.getNotificationChannel, async ({ deps, params }) => ({ body: channelView(await getChannel(deps, params.wsId, params.channelId)) })),
  implement(endpoints.updateNotificationChannel, async ({ deps, params, body }) => ({ body: channelView(await updateChannel(deps, params.wsId, params.channelId, body)) })),
  implement(endpoints.deleteNotificationChannel, async ({ deps, params }) => {
    await deleteChannel(deps, params.wsId, params.channelId);
    return { status: 204, body: undefined };
  }),
  implement(endpoints.testNotificationChannel, async ({ deps, params }) => ({ body: deliveryView(await testChannel(deps, params.wsId, params.channelId)) })),
  implement(endpoints.rotateNotificationChannelSecret, async ({ deps, params }) => {
    const { channel, signingSecret, previousValidUntil } = await rotateChannelSecret(deps, params.wsId, params.channelId);
    return { body: { channel: channelView(channel), signingSecret, previousValidUntil } };
  }),
  implement(endpoints.listNotificationDeliveries, async ({ deps, params, query }) => {
    const page = await listDeliveries(deps, params.wsId, params.channelId, query);
    return { body: { items: page.items.map(deliveryView), nextCursor: page.nextCursor } };
  }),
];
