import { z } from 'zod';

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;
const proxyEntry = z.union([z.enum(PROXY_NAMES), z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);

/**
 * Which proxies in front of the server are trusted to say who the client is (X-Forwarded-For),
 * in the forms express's `trust proxy` takes: `false` (none, the default), a number of hops,
 * a comma-separated list of addresses, subnets (CIDR) and the names `loopback`, `linklocal`,
 * `uniquelocal`, or `true` (every hop: only when nothing can reach the server but the proxy).
 */
export const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): boolean | number | string[] => {
    const t = (v ?? '').trim().toLowerCase();
    if (['', 'false', 'no', 'off', '0'].includes(t)) return false;
    if (['true', 'yes', 'on'].includes(t)) return true;
    if (/^\d+$/.test(t)) return Number(t);
    const entries = t.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !proxyEntry.safeParse(e).success);
    if (bad.length === 0) return entries;
    ctx.addIssue({
      code: 'custom',
      message: `expected false, true, a number of hops, or addresses, subnets and ${PROXY_NAMES.join('/')} separated by commas; not: ${bad.join(', ')}`,
    });
    return z.NEVER;
  });
