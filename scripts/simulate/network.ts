// Simulated addresses and devices: carrier IPv4 /24s and IPv6 /64s, office and campus NATs,
// datacenter ranges, and phones whose fingerprint is a SHA-256 of their model's traits, so
// everyone with the same model shares a fingerprint, as with real mini-program fingerprints.
import { createHash } from 'node:crypto';
import type { Rng } from './random.js';

/** Mobile and home broadband /16s of the three carriers (address space of the kind, not real users). */
const CARRIER_V4 = [
  '112.96',
  '112.97',
  '117.136',
  '117.141',
  '223.104',
  '223.73',
  '39.144',
  '39.149',
  '106.39',
  '183.192',
  '120.229',
  '36.112',
  '14.154',
  '61.140',
  '110.184',
  '171.88',
] as const;

/** Carrier IPv6 prefixes, as the first three groups; a user gets a random /64 below one. */
const CARRIER_V6 = ['2409:8a00', '2409:8900', '240e:3b0', '240e:45c', '2408:8207', '2408:8456'] as const;

/** Cloud and hosting /16s: where phone farms and scripts rent their addresses. */
const DATACENTER_V4 = ['47.100', '47.101', '119.23', '139.196', '101.132', '42.192'] as const;

/** A random /24 (as its first three octets) in carrier space. */
export function carrierSubnet(rng: Rng): string {
  return `${rng.pick(CARRIER_V4)}.${rng.int(0, 255)}`;
}

/** A random /24 in datacenter space. */
export function datacenterSubnet(rng: Rng): string {
  return `${rng.pick(DATACENTER_V4)}.${rng.int(0, 255)}`;
}

/** A host address in a /24 (never .0 or .255). */
export function hostIn(rng: Rng, subnet: string): string {
  return `${subnet}.${rng.int(1, 254)}`;
}

/** A mobile address: a host in a random carrier /24. */
export function mobileIp(rng: Rng): string {
  return hostIn(rng, carrierSubnet(rng));
}

/** A random carrier /64, as its first four groups. */
export function carrierV6Prefix(rng: Rng): string {
  const group = () => rng.int(0, 0xffff).toString(16);
  return `${rng.pick(CARRIER_V6)}:${group()}:${group()}`;
}

/** A host address in a /64 (privacy addresses: the interface id changes, the /64 stays). */
export function hostInV6(rng: Rng, prefix: string): string {
  const group = () => rng.int(0, 0xffff).toString(16);
  return `${prefix}:${group()}:${group()}:${group()}:${group()}`;
}

/** The /24 of an IPv4 address, or the /64 of an IPv6 one: how the server groups addresses. */
export function subnetOf(ip: string): string {
  if (ip.includes(':')) return ip.split(':').slice(0, 4).join(':');
  return ip.split('.').slice(0, 3).join('.');
}

interface PhoneModel {
  brand: string;
  model: string;
  system: string;
  screen: string;
  pixelRatio: number;
  /** Relative share of users. */
  share: number;
}

/** Common phone models with a rough share each: many honest users share one fingerprint. */
const PHONE_MODELS: readonly PhoneModel[] = [
  { brand: 'iPhone', model: 'iPhone 15', system: 'iOS 17.5', screen: '393x852', pixelRatio: 3, share: 9 },
  { brand: 'iPhone', model: 'iPhone 14', system: 'iOS 17.4', screen: '390x844', pixelRatio: 3, share: 8 },
  { brand: 'iPhone', model: 'iPhone 13', system: 'iOS 16.7', screen: '390x844', pixelRatio: 3, share: 8 },
  {
    brand: 'iPhone',
    model: 'iPhone 15 Pro Max',
    system: 'iOS 17.5',
    screen: '430x932',
    pixelRatio: 3,
    share: 5,
  },
  { brand: 'iPhone', model: 'iPhone 12', system: 'iOS 16.6', screen: '390x844', pixelRatio: 3, share: 4 },
  { brand: 'iPhone', model: 'iPhone 11', system: 'iOS 15.8', screen: '414x896', pixelRatio: 2, share: 3 },
  {
    brand: 'HUAWEI',
    model: 'Mate 60 Pro',
    system: 'HarmonyOS 4.0',
    screen: '412x915',
    pixelRatio: 3,
    share: 7,
  },
  { brand: 'HUAWEI', model: 'nova 12', system: 'HarmonyOS 4.0', screen: '393x851', pixelRatio: 3, share: 4 },
  { brand: 'HUAWEI', model: 'P60', system: 'HarmonyOS 3.1', screen: '393x851', pixelRatio: 3, share: 3 },
  { brand: 'Xiaomi', model: 'Xiaomi 14', system: 'Android 14', screen: '393x873', pixelRatio: 3, share: 5 },
  { brand: 'Xiaomi', model: 'Redmi K70', system: 'Android 14', screen: '393x873', pixelRatio: 3, share: 4 },
  {
    brand: 'Xiaomi',
    model: 'Redmi Note 13',
    system: 'Android 13',
    screen: '393x851',
    pixelRatio: 2.75,
    share: 5,
  },
  { brand: 'OPPO', model: 'Reno11', system: 'Android 14', screen: '412x915', pixelRatio: 2.625, share: 4 },
  { brand: 'OPPO', model: 'A2', system: 'Android 13', screen: '360x800', pixelRatio: 2, share: 3 },
  { brand: 'vivo', model: 'X100', system: 'Android 14', screen: '412x915', pixelRatio: 3, share: 4 },
  { brand: 'vivo', model: 'Y78', system: 'Android 13', screen: '393x851', pixelRatio: 2.75, share: 3 },
  { brand: 'HONOR', model: 'Magic6', system: 'Android 14', screen: '412x915', pixelRatio: 3, share: 3 },
  { brand: 'HONOR', model: 'X50', system: 'Android 13', screen: '393x851', pixelRatio: 2.75, share: 3 },
  {
    brand: 'OnePlus',
    model: 'OnePlus 12',
    system: 'Android 14',
    screen: '412x915',
    pixelRatio: 3.5,
    share: 2,
  },
  { brand: 'realme', model: 'GT5', system: 'Android 14', screen: '393x873', pixelRatio: 3, share: 2 },
  { brand: 'samsung', model: 'Galaxy S24', system: 'Android 14', screen: '360x780', pixelRatio: 3, share: 1 },
];
const MODEL_WEIGHTS = PHONE_MODELS.map((m) => m.share);

export interface Device {
  /** `X-Device-Id`: the mini-program's per-install id. */
  id: string;
  /** `X-Device-Fingerprint`: SHA-256 (hex) of the device's traits. */
  fingerprint: string;
  userAgent: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function userAgentOf(m: PhoneModel, wechat: string): string {
  const os =
    m.brand === 'iPhone'
      ? `iPhone; CPU iPhone OS ${m.system.slice(4).replace('.', '_')} like Mac OS X`
      : `Linux; ${m.system}; ${m.model}`;
  return `Mozilla/5.0 (${os}) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile MicroMessenger/${wechat} miniProgram`;
}

/** A fresh install on a phone of a common model: its own id, its model's fingerprint. */
export function phone(rng: Rng): Device {
  return phoneOf(rng, PHONE_MODELS[rng.weighted(MODEL_WEIGHTS)] as PhoneModel);
}

/** A fresh install on one of the `top` most common models (a campus where everyone has one). */
export function popularPhone(rng: Rng, top = 3): Device {
  const ranked = [...PHONE_MODELS].sort((a, b) => b.share - a.share).slice(0, top);
  return phoneOf(rng, ranked[rng.weighted(ranked.map((m) => m.share))] as PhoneModel);
}

function phoneOf(rng: Rng, m: PhoneModel): Device {
  const wechat = rng.pick(['8.0.47', '8.0.48', '8.0.49', '8.0.50']);
  return {
    id: `d-${rng.hex(12)}`,
    fingerprint: sha256(`${m.brand}|${m.model}|${m.system}|${m.screen}|${m.pixelRatio}|zh_CN|${wechat}`),
    userAgent: userAgentOf(m, wechat),
  };
}

/** A device whose fingerprint is random (a spoofing script): it matches no real model. */
export function spoofedDevice(rng: Rng): Device {
  const base = phone(rng);
  return { ...base, fingerprint: rng.hex(32) };
}
