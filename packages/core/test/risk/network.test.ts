import { describe, expect, it } from 'vitest';
import { inNetwork, isNetwork, networksOf } from '../../src/risk/network.js';

describe('networksOf', () => {
  it('groups an IPv4 address by its /24 and /16', () => {
    expect(networksOf('203.0.113.77')).toEqual({
      ip: '203.0.113.77',
      net24: '203.0.113.0/24',
      net16: '203.0.0.0/16',
    });
  });

  it('matches a block written on the IPv4-mapped range as that IPv4 block', () => {
    for (const block of ['::ffff:c633:6400/120', '::ffff:198.51.100.0/120']) {
      expect(inNetwork('198.51.100.4', block), block).toBe(true);
      expect(inNetwork('::ffff:c633:6404', block), block).toBe(true);
      expect(inNetwork('198.51.101.4', block), block).toBe(false);
      expect(isNetwork(block), block).toBe(true);
    }
  });

  it('takes an IPv4-mapped IPv6 address for its IPv4 address, however it is spelled', () => {
    expect(networksOf('::ffff:198.51.100.4').net24).toBe('198.51.100.0/24');
    // A proxy may write the mapped form in hex, or in full: one client, not the /64 of every
    // IPv4 client behind that proxy.
    for (const spelling of ['::ffff:c633:6404', '0:0:0:0:0:ffff:198.51.100.4', '::FFFF:C633:6404']) {
      expect(networksOf(spelling), spelling).toEqual({
        ip: '198.51.100.4',
        net24: '198.51.100.0/24',
        net16: '198.51.0.0/16',
      });
    }
  });

  it('groups an IPv6 address by its /64 and /32, whatever its spelling', () => {
    const a = networksOf('240e:0001:0002:0003:0000:0000:0000:0009');
    const b = networksOf('240e:1:2:3::9');
    expect(a).toEqual(b);
    expect(a).toEqual({ ip: '240e:1:2:3:0:0:0:9', net24: '240e:1:2:3::/64', net16: '240e:1::/32' });
  });

  it('refuses what is not an address', () => {
    expect(() => networksOf('example.com')).toThrow(/not an IP address/);
  });
});

describe('inNetwork', () => {
  it('matches addresses in a CIDR block of either family, and only those', () => {
    expect(inNetwork('1.2.3.4', '1.2.3.0/24')).toBe(true);
    expect(inNetwork('1.2.4.4', '1.2.3.0/24')).toBe(false);
    expect(inNetwork('1.2.4.4', '1.2.0.0/16')).toBe(true);
    expect(inNetwork('1.2.3.4', '1.2.3.4')).toBe(true);
    expect(inNetwork('240e:1:2:3::9', '240e:1:2:3::/64')).toBe(true);
    expect(inNetwork('240e:1:2:4::9', '240e:1:2:3::/64')).toBe(false);
    expect(inNetwork('1.2.3.4', '240e::/16')).toBe(false);
  });

  it('tells valid blocks from invalid ones', () => {
    expect(isNetwork('10.0.0.0/8')).toBe(true);
    expect(isNetwork('10.0.0.0/33')).toBe(false);
    expect(isNetwork('10.0.0/8')).toBe(false);
  });
});
