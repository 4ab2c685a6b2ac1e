/**
 * Where outbound notifications (Slack, webhooks) may connect: public unicast addresses only.
 * A customer's URL is untrusted input, so its host is resolved by us and every address it
 * resolves to is classified here before any connection (adapters/notify/safeFetch.ts).
 * Pure: parses IP text itself.
 */

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link_local'
  | 'metadata'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'unique_local'
  | 'invalid';

/** An IPv4 address as a 32-bit unsigned number, or null when `text` is not a dotted quad. */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/** An IPv6 address as eight 16-bit groups (an embedded dotted quad allowed), or null. */
export function parseIPv6(text: string): number[] | null {
  let s = text.toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  // A zone (fe80::1%eth0) names an interface: link-local anyway; it is never a public address.
  if (s.includes('%')) s = s.slice(0, s.indexOf('%'));
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(':')) return null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    // An embedded dotted quad (::ffff:1.2.3.4) becomes its two groups.
    const quad = parseIPv4(s.slice(lastColon + 1));
    if (quad === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(quad >>> 16).toString(16)}:${(quad & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return null;
  const known = head.length + rest.length;
  if (halves.length === 2) return known > 7 ? null : [...head, ...new Array<number>(8 - known).fill(0), ...rest];
  return known === 8 ? head : null;
}

const v4 = (a: number, b: number, c: number, d: number) => ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
const inV4 = (ip: number, base: number, bits: number) => bits === 0 || ip >>> (32 - bits) === base >>> (32 - bits);

/** IPv4 blocks that are not public unicast, most specific first. */
const V4_BLOCKS: [number, number, AddressClass][] = [
  [v4(169, 254, 169, 254), 32, 'metadata'],
  [v4(0, 0, 0, 0), 8, 'unspecified'],
  [v4(10, 0, 0, 0), 8, 'private'],
  [v4(100, 64, 0, 0), 10, 'shared'],
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(169, 254, 0, 0), 16, 'link_local'],
  [v4(172, 16, 0, 0), 12, 'private'],
  [v4(192, 0, 0, 0), 24, 'reserved'],
  [v4(192, 0, 2, 0), 24, 'documentation'],
  [v4(192, 88, 99, 0), 24, 'reserved'],
  [v4(192, 168, 0, 0), 16, 'private'],
  [v4(198, 18, 0, 0), 15, 'reserved'],
  [v4(198, 51, 100, 0), 24, 'documentation'],
  [v4(203, 0, 113, 0), 24, 'documentation'],
  [v4(224, 0, 0, 0), 4, 'multicast'],
  [v4(240, 0, 0, 0), 4, 'reserved'],
];

export function classifyIPv4(ip: number): AddressClass {
  for (const [base, bits, cls] of V4_BLOCKS) if (inV4(ip, base, bits)) return cls;
  return 'public';
}

export function classifyIPv6(g: number[]): AddressClass {
  const embedded = () => classifyIPv4(((g[6]! << 16) >>> 0) + g[7]!);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address inside.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return embedded();
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded();
  // 6to4 (2002::/16) carries an IPv4 address in groups 1 and 2.
  if (g[0] === 0x2002) return classifyIPv4(((g[1]! << 16) >>> 0) + g[2]!) === 'public' ? 'public' : 'reserved';
  if ((g[0]! & 0xfe00) === 0xfc00) return 'unique_local';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link_local';
  if ((g[0]! & 0xffc0) === 0xfec0) return 'reserved'; // site-local, deprecated
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'documentation';
  // 2001::/23: IETF protocol assignments (Teredo and others), not ordinary hosts.
  if (g[0] === 0x2001 && g[1]! < 0x0200) return 'reserved';
  // Only 2000::/3 is global unicast; the IPv4-compatible ::/96 and the rest are not hosts we call.
  if ((g[0]! & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

/** The class of an IP address given as text (IPv4 or IPv6); 'invalid' when it is neither. */
export function classifyAddress(address: string): AddressClass {
  const a = parseIPv4(address);
  if (a !== null) return classifyIPv4(a);
  const b = parseIPv6(address);
  if (b !== null) return classifyIPv6(b);
  return 'invalid';
}

/** One canonical text per address, so an allow-list entry matches however the address is written. */
export function canonicalAddress(address: string): string | null {
  const a = parseIPv4(address);
  if (a !== null) return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
  const b = parseIPv6(address);
  if (b === null) return null;
  // IPv4-mapped: the IPv4 address itself (::ffff:127.0.0.1 is 127.0.0.1).
  if (b.slice(0, 5).every((x) => x === 0) && b[5] === 0xffff) return canonicalAddress(`${b[6]! >>> 8}.${b[6]! & 255}.${b[7]! >>> 8}.${b[7]! & 255}`);
  return b.map((x) => x.toString(16)).join(':');
}

/** Host names refused before any lookup: the metadata server and names only a private resolver answers. */
export function isBlockedHostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === 'metadata' || h === 'metadata.google.internal' || h.endsWith('.internal') || h.endsWith('.local');
}

export interface DestinationPolicy {
  /**
   * IP addresses admitted although not public (local tests: 127.0.0.1). An entry matches a URL
   * whose host is that address written literally; a host name is never admitted through it,
   * whatever it resolves to (so DNS cannot steer a delivery onto an allowed internal address).
   */
  allowedAddresses: readonly string[];
  /** Plain http (local stacks only); production sends over https. */
  allowHttp: boolean;
}

export type DestinationDecision = { ok: true } | { ok: false; code: 'destination_not_allowed' | 'scheme_not_allowed'; reason: string };

const refuse = (reason: string): DestinationDecision => ({ ok: false, code: 'destination_not_allowed', reason });

/** Whether a URL's scheme may be used at all. */
export function checkScheme(protocol: string, policy: DestinationPolicy): DestinationDecision {
  if (protocol === 'https:') return { ok: true };
  if (protocol === 'http:') return policy.allowHttp ? { ok: true } : { ok: false, code: 'scheme_not_allowed', reason: 'plain http is not allowed; use https' };
  return { ok: false, code: 'scheme_not_allowed', reason: `the scheme ${protocol} is not allowed` };
}

/**
 * Whether to connect to `addresses`, what the URL host `host` resolved to (the address itself
 * when the host is an IP literal). Every address must be allowed: a name that also resolves to
 * an internal address is refused, whichever address a client would have picked.
 */
export function checkDestination(host: string, addresses: readonly string[], policy: DestinationPolicy): DestinationDecision {
  const bare = host.replace(/^\[|\]$/g, '');
  const literal = canonicalAddress(bare);
  if (literal !== null) {
    if (policy.allowedAddresses.some((a) => canonicalAddress(a) === literal)) return { ok: true };
    const cls = classifyAddress(bare);
    return cls === 'public' ? { ok: true } : refuse(`${bare} is a ${cls.replace('_', '-')} address`);
  }
  if (isBlockedHostName(bare)) return refuse(`${bare} is an internal host name`);
  if (addresses.length === 0) return refuse(`${bare} resolved to no address`);
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls !== 'public') return refuse(`${bare} resolves to ${address}, a ${cls.replace('_', '-')} address`);
  }
  return { ok: true };
}
