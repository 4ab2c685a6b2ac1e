/**
 * The server's refusal of a policy, placed next to what it is about: field problems
 * (`body.rules.<action>.levels.<i>.<field>`) and the policy checks' messages
 * (`rules.<action>.levels.<i>: ...`) go to that level; the rest to the rule or the form.
 */
export interface Placed<R> {
  rule: R | null;
  level: number | null;
  field: string | null;
}

/** Which rule, level and field a problem's path (or message) names. */
export function placeProblem<R extends { action: string }>(text: string, rules: R[]): Placed<R> {
  // The longest action first: `vm.stop` must not be taken for a prefix of `vm.stop.all`.
  for (const rule of [...rules].sort((a, b) => b.action.length - a.action.length)) {
    const at = text.indexOf(`rules.${rule.action}`);
    if (at < 0) continue;
    const rest = text.slice(at + `rules.${rule.action}`.length);
    const m = /^\.levels\.(\d+)(?:\.([A-Za-z]+))?/.exec(rest);
    return { rule, level: m ? Number(m[1]) : null, field: m?.[2] ?? null };
  }
  return { rule: null, level: null, field: null };
}
