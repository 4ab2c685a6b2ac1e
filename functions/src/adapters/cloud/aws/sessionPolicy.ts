/** STS's RoleSessionName for a run. (The session policy itself is the domain's: domain/cloud/grants.ts sessionPolicyForActions.) */

/** `am-<runId>`, reduced to the characters STS accepts in a RoleSessionName ([\w+=,.@-], 2 to 64). */
export function roleSessionName(runId: string): string {
  const name = `am-${runId.replace(/[^\w+=,.@-]/g, '-')}`;
  return name.slice(0, 64);
}
