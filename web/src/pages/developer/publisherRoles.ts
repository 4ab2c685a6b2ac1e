/**
 * What each publisher role may do, as the API judges it (functions/src/domain/publishers.ts):
 * the portal shows only the controls a member's role allows. Pure, so it is tested in Node.
 */
import type { PublisherRole } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';
import { complete } from '../../labels.ts';

export const PUBLISHER_ROLES = complete<PublisherRole>()(['owner', 'admin', 'developer', 'viewer']);

export const publisherRoleLabel = (role: PublisherRole): string => t(`publisherRole.${role}`);

/** Submit, deprecate and yank versions: everyone but viewers. */
export const canManageVersions = (role: PublisherRole): boolean => role !== 'viewer';
/** Add, change and remove members: owners and admins. */
export const canManageMembers = (role: PublisherRole): boolean => role === 'owner' || role === 'admin';
/** Earnings and payouts: owners only (docs/billing.md). */
export const canSeeEarnings = (role: PublisherRole): boolean => role === 'owner';

/** The roles `actor` may give: only an owner makes an owner. */
export const assignableRoles = (actor: PublisherRole): PublisherRole[] => (actor === 'owner' ? [...PUBLISHER_ROLES] : PUBLISHER_ROLES.filter((r) => r !== 'owner'));

/** Whether `actor` may change or remove a member holding `role`: only an owner touches an owner. */
export const canTouchMember = (actor: PublisherRole, role: PublisherRole): boolean => canManageMembers(actor) && (role !== 'owner' || actor === 'owner');
