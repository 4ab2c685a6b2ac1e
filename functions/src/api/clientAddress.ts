/**
 * The caller's address, for per-client limits of anonymous requests.
 *
 * X-Forwarded-For is a list each proxy appends to, so only its rightmost entries (the ones our
 * own infrastructure appended) can be trusted; anything to their left is whatever the client
 * wrote. Behind Firebase Hosting, Hosting's CDN appends the address that connected to it (the
 * client), and Google's front end in front of the function (Cloud Run) appends the address
 * that connected to it (a Hosting edge): the client is the 2nd entry from the right
 * (CLIENT_IP_HOPS=2, the production default). Firebase does not document this chain as a
 * contract: check it on a deployed function (log the header) before relying on it. A caller
 * that goes to the function's own URL instead of Hosting has one entry fewer, so the entry we
 * take may be one it wrote: such a caller can pick its key; closing that needs the function to
 * be reachable through Hosting only.
 * Locally the emulators append nothing (hops=1: the rightmost entry, as the client sent it,
 * which lets tests act as distinct clients); without the header, the socket's peer.
 */
export function clientAddress(forwardedFor: string | undefined, socketAddress: string | undefined, hops: number): string {
  const entries = (forwardedFor ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return socketAddress ?? 'unknown';
  const index = Math.max(0, entries.length - Math.max(1, hops));
  // Bounded: the value becomes part of a document id.
  return entries[index]!.slice(0, 64);
}
