/**
 * Addresses other sites send the browser back to are paths, not hash routes: the billing
 * provider returns to `/workspaces/{ws}/billing?checkout=complete` (functions/src/app/billing/account.ts),
 * payout onboarding to `/publishers/{p}/payouts?onboarding=complete`.
 * Hosting serves index.html for every path (firebase.json rewrites `**`), and this turns such
 * a path into the hash route it means, keeping its query (main.ts rewrites the address before
 * the router starts). Pure, so it is tested in Node.
 */
const PATHS: { pattern: RegExp; route: (m: RegExpExecArray, query: URLSearchParams) => string }[] = [
  {
    pattern: /^\/workspaces\/([^/]+)\/billing\/?$/,
    route: (m, query) => {
      query.set('ws', decodeURIComponent(m[1]!));
      return `/billing?${query.toString()}`;
    },
  },
  {
    // Back from payout onboarding (functions/src/app/billing/payouts.ts): the publisher's earnings page.
    pattern: /^\/publishers\/([^/]+)\/payouts\/?$/,
    route: (m, query) => `/publishers/${encodeURIComponent(decodeURIComponent(m[1]!))}/earnings${query.size ? `?${query.toString()}` : ''}`,
  },
];

/** The hash route for a path-form address, or null (the address is the app's own). */
export function hashRouteFor(pathname: string, search: string): string | null {
  for (const { pattern, route } of PATHS) {
    const m = pattern.exec(pathname);
    if (!m) continue;
    try {
      return route(m, new URLSearchParams(search));
    } catch {
      return null; // a malformed escape: leave the address alone (the catalog shows)
    }
  }
  return null;
}
