/** Where an install's approval policy is edited. */
export const policyPath = (wsId: string, installId: string): string => `/installs/${encodeURIComponent(wsId)}/${encodeURIComponent(installId)}/approval-policy`;
