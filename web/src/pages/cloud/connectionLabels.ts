/** How a cloud connection reads to a person: "Prod: GCP project my-proj", "AWS account 123456789012". */
import type { CloudProviderId, Connection } from '@agent-marketplace/client';
import { t } from '../../i18n.ts';

export const providerLabel = (provider: CloudProviderId): string => t(`cloud.provider.${provider}`);

/** The account a connection acts on, in the provider's words (a numeric GCP target is an organisation). */
export function accountLabel(provider: CloudProviderId, account: string): string {
  if (provider === 'aws') return t('cloud.account.aws', { account });
  return /^\d+$/.test(account) ? t('cloud.account.gcpOrganization', { account }) : t('cloud.account.gcpProject', { account });
}

export const connectionLabel = (c: Pick<Connection, 'name' | 'provider' | 'account'>): string => t('cloud.connectionLabel', { name: c.name, account: accountLabel(c.provider, c.account) });
