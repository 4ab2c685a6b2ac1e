/** Where an install's agent memory is shown (apart from the page, so the dashboard's link need not load it). */
export const memoryPath = (wsId: string, installId: string): string => `/installs/${encodeURIComponent(wsId)}/${encodeURIComponent(installId)}/memory`;
