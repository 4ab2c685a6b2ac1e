import { z } from 'zod';
import { PageQuery, pageOf, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import {
  CreatedNotificationChannelOut,
  CreateNotificationChannelIn,
  NotificationChannelId,
  NotificationChannelOut,
  NotificationDeliveryOut,
  RotatedSecretOut,
  UpdateNotificationChannelIn,
} from '../notifications.js';

const WsParams = z.object({ wsId: WorkspaceId }).strict();
const ChannelParams = z.object({ wsId: WorkspaceId, channelId: NotificationChannelId }).strict();
/**
 * Owners and admins only, members and API keys alike: a channel names where workspace events
 * go (addresses, receiver URLs), and its deliveries show what was sent there; like API keys,
 * that is configuration, not something every member needs to read.
 */
const manage = { kind: 'workspace', permission: 'workspace.manage', apiKeys: false } as const;
const tags = ['notifications'];

export const notificationEndpoints = {
  listNotificationChannels: endpoint('listNotificationChannels', {
    summary: "The workspace's notification channels (never their secrets)",
    tags,
    access: manage,
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(NotificationChannelOut), description: 'A page of channels' },
  }),
  createNotificationChannel: endpoint('createNotificationChannel', {
    summary: 'Add an email, Slack or signed webhook channel; a webhook signing secret is in this response only',
    tags,
    access: manage,
    params: WsParams,
    body: CreateNotificationChannelIn,
    response: { status: 201, schema: CreatedNotificationChannelOut, description: 'The channel (with the signing secret of a webhook channel)' },
  }),
  getNotificationChannel: endpoint('getNotificationChannel', {
    summary: 'A notification channel',
    tags,
    access: manage,
    params: ChannelParams,
    response: { status: 200, schema: NotificationChannelOut, description: 'The channel' },
  }),
  updateNotificationChannel: endpoint('updateNotificationChannel', {
    summary: "Change a channel's name, event filter, state or destination",
    tags,
    access: manage,
    params: ChannelParams,
    body: UpdateNotificationChannelIn,
    response: { status: 200, schema: NotificationChannelOut, description: 'The channel' },
  }),
  deleteNotificationChannel: endpoint('deleteNotificationChannel', {
    summary: 'Delete a channel and its secrets; it receives nothing more',
    tags,
    access: manage,
    params: ChannelParams,
    response: { status: 204, schema: z.undefined(), description: 'Deleted' },
  }),
  testNotificationChannel: endpoint('testNotificationChannel', {
    summary: 'Send a test event to the channel now and answer how the delivery went',
    tags,
    access: manage,
    params: ChannelParams,
    response: { status: 200, schema: NotificationDeliveryOut, description: 'The test delivery' },
  }),
  rotateNotificationChannelSecret: endpoint('rotateNotificationChannelSecret', {
    summary: "A webhook channel's new signing secret, in this response only; the old one keeps signing too for 24 hours",
    tags,
    access: manage,
    params: ChannelParams,
    response: { status: 200, schema: RotatedSecretOut, description: 'The channel and its new secret' },
    errors: [409],
  }),
  listNotificationDeliveries: endpoint('listNotificationDeliveries', {
    summary: "A channel's delivery log, newest first",
    tags,
    access: manage,
    params: ChannelParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(NotificationDeliveryOut), description: 'A page of deliveries' },
  }),
};
