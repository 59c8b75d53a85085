import { BlockList, isIP } from 'node:net';

/** One network of an allowlist: an address and its prefix length (a lone address is /32 or /128). */
export interface Network {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * "192.0.2.0/24, 2001:db8::/32, 198.51.100.7" → networks, or the first entry that is not one. Parsed
 * here, at start, so that a typo stops the server instead of silently refusing (or allowing) callers.
 */
export function parseNetworks(value: string): { networks: Network[] } | { invalid: string } {
  const networks: Network[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const [address = '', prefixText, extra] = entry.split('/');
    const version = isIP(address);
    const max = version === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
    if (version === 0 || extra !== undefined || !(prefix >= 0 && prefix <= max)) return { invalid: entry };
    networks.push({ address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' });
  }
  return networks.length > 0 ? { networks } : { invalid: value };
}

/** Loopback only: the default outside production, where the built-in sandbox pushes from this host. */
export const LOOPBACK_NETWORKS: Network[] = [
  { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '::1', prefix: 128, family: 'ipv6' },
];

/** Answers whether an address (as Node reports it, IPv4-mapped IPv6 included) is in one of the networks. */
export function networkMatcher(networks: readonly Network[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const { address, prefix, family } of networks) list.addSubnet(address, prefix, family);
  return (address) => {
    if (!address) return false;
    // A dual-stack socket reports an IPv4 peer as ::ffff:192.0.2.1; the allowlist speaks of 192.0.2.1.
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
    const plain = mapped ? mapped[1]! : address;
    const version = isIP(plain);
    if (version === 0) return false;
    return list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  };
}
