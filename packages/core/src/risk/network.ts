import { isIPv4, isIPv6 } from 'node:net';

/**
 * Networks of a client address: the /24 and /16 of an IPv4 address; the /64 and /32 of an IPv6
 * one (a home or phone gets a /64, a provider's region a /32). An IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`) counts as its IPv4 address.
 */
export interface Networks {
  ip: string;
  /** `1.2.3.0/24` or `240e:1:2:3::/64`. */
  net24: string;
  /** `1.2.0.0/16` or `240e:1::/32`. */
  net16: string;
}

/** The eight 16-bit groups of an IPv6 address. */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  let left = parse(head);
  let right = tail === undefined ? [] : parse(tail);
  const last = (right.length > 0 ? right : left).at(-1) ?? '';
  if (last.includes('.')) {
    // An embedded IPv4 tail: two groups.
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    const groups = [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    if (right.length > 0) right = [...right.slice(0, -1), ...groups];
    else left = [...left.slice(0, -1), ...groups];
  }
  const fill = tail === undefined ? [] : new Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
}

const hex = (groups: number[]) => groups.map((g) => g.toString(16)).join(':');

/** The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:0:0/96`), in any spelling. */
function mappedIPv4(groups: number[]): string | undefined {
  if (groups.length !== 8 || groups.slice(0, 5).some((g) => g !== 0) || groups[5] !== 0xffff)
    return undefined;
  const [hi = 0, lo = 0] = groups.slice(6);
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

const networksOfIPv4 = (ip: string): Networks => {
  const [a, b, c] = ip.split('.');
  return { ip, net24: `${a}.${b}.${c}.0/24`, net16: `${a}.${b}.0.0/16` };
};

export function networksOf(address: string): Networks {
  if (isIPv4(address)) return networksOfIPv4(address);
  if (isIPv6(address)) {
    const groups = ipv6Groups(address.toLowerCase());
    // Mapped, however a proxy spells it (`::ffff:1.2.3.4`, `::ffff:102:304`, in full): until
    // 2026-12-07 only the first was, and the others were all one /64.
    const v4 = mappedIPv4(groups);
    if (v4 !== undefined) return networksOfIPv4(v4);
    return {
      ip: hex(groups),
      net24: `${hex(groups.slice(0, 4))}::/64`,
      net16: `${hex(groups.slice(0, 2))}::/32`,
    };
  }
  throw new Error(`not an IP address: ${address}`);
}

/** Whether `address` is in `network` (an address, or a CIDR block of either family). */
export function inNetwork(address: string, network: string): boolean {
  const [base = '', bitsText] = network.split('/');
  const a = networksOf(address).ip;
  const b = networksOf(base).ip;
  const v4 = isIPv4(a);
  if (v4 !== isIPv4(b)) return false;
  const width = v4 ? 32 : 128;
  // A block written on the IPv4-mapped range (`::ffff:c633:6400/120`) is that IPv4 block.
  const mappedBase = v4 && isIPv6(base);
  const bits = bitsText === undefined ? width : Number(bitsText) - (mappedBase ? 96 : 0);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) throw new Error(`not a CIDR block: ${network}`);
  const toBig = (ip: string) =>
    v4
      ? ip.split('.').reduce((n, part) => (n << 8n) | BigInt(part), 0n)
      : ipv6Groups(ip).reduce((n, g) => (n << 16n) | BigInt(g), 0n);
  const shift = BigInt(width - bits);
  return toBig(a) >> shift === toBig(b) >> shift;
}

/** Whether `network` is a valid address or CIDR block. */
export function isNetwork(network: string): boolean {
  try {
    inNetwork(network.split('/')[0] ?? '', network);
    return true;
  } catch {
    return false;
  }
}
