/**
 * The session policy passed to STS `AssumeRole` (`Policy`): the run's credential may do only
 * the intersection of the role's own policies and this one, so a run holds exactly the actions
 * of its consented scopes however broad the customer's role is.
 */

/** AWS's limit on an inline session policy, counted on the packed (compacted) JSON. */
export const SESSION_POLICY_MAX_CHARS = 2048;

const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;

export class SessionPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionPolicyError';
  }
}

/**
 * The compact IAM policy JSON allowing exactly `actions` on every resource (the role's own
 * policies narrow the resources). Actions are deduplicated and sorted so the same grant always
 * yields the same policy. Throws SessionPolicyError when there is nothing to allow, an action is
 * not `service:Action`, or the JSON exceeds AWS's 2,048 characters.
 */
export function sessionPolicyFor(actions: readonly string[]): string {
  const unique = [...new Set(actions)].sort();
  if (unique.length === 0) throw new SessionPolicyError('The grant allows no AWS action: a session policy needs at least one.');
  const bad = unique.filter((a) => !ACTION.test(a));
  if (bad.length) throw new SessionPolicyError(`Not AWS actions (service:Action): ${bad.join(', ')}.`);
  const json = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: unique, Resource: '*' }] });
  if (json.length > SESSION_POLICY_MAX_CHARS) {
    throw new SessionPolicyError(
      `The session policy for ${unique.length} actions is ${json.length} characters; AWS accepts at most ${SESSION_POLICY_MAX_CHARS}. Consent to fewer scopes or use service wildcards in the scope table.`,
    );
  }
  return json;
}

/** `am-<runId>`, reduced to the characters STS accepts in a RoleSessionName ([\w+=,.@-], 2 to 64). */
export function roleSessionName(runId: string): string {
  const name = `am-${runId.replace(/[^\w+=,.@-]/g, '-')}`;
  return name.slice(0, 64);
}
