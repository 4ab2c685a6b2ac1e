/** The developer portal's addresses, in one place so pages link to each other without importing each other. */
const enc = encodeURIComponent;

export const PUBLISHERS_PATH = '/publishers';
export const REVIEWS_PATH = '/admin/reviews';
export const publisherPath = (publisherId: string) => `/publishers/${enc(publisherId)}`;
export const earningsPath = (publisherId: string) => `${publisherPath(publisherId)}/earnings`;
export const analyticsPath = (publisherId: string, days?: number) => `${publisherPath(publisherId)}/analytics${days ? `?days=${days}` : ''}`;
/** An agent's versions; with `version`, that version's detail open. */
export const developerAgentPath = (publisherId: string, agentId: string, version?: string) =>
  `${publisherPath(publisherId)}/agents/${enc(agentId)}${version ? `?version=${enc(version)}` : ''}`;
