import { sha256Hex } from './sha256.js';

const DEVICE_ID_KEY = 'rallyboard.deviceId';

/** A random id in hex. Math.random: these ids must not collide, they need not be secret. */
export function randomId(bytes = 16): string {
  const values = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) values[i] = Math.floor(Math.random() * 256);
  return Array.from(values, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * This install's id (`X-Device-Id`): made once and kept in storage, so it lasts until the
 * mini-program's data is cleared. It names an install, not a person.
 */
export function deviceId(): string {
  const kept: unknown = wx.getStorageSync(DEVICE_ID_KEY);
  if (typeof kept === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(kept)) return kept;
  const id = `d-${Date.now().toString(36)}-${randomId(12)}`;
  wx.setStorageSync(DEVICE_ID_KEY, id);
  return id;
}

/** Calls an info API if this base library has it; older ones lack the split APIs. */
function infoOf<T>(read: (() => T) | undefined): Partial<T> {
  try {
    return read ? read() : {};
  } catch {
    return {};
  }
}

/**
 * The device traits the fingerprint is made of: stable for one phone and WeChat version, the
 * same whoever is signed in. Nothing here identifies a person on its own.
 */
export function deviceTraits(): Record<string, string | number | boolean | null> {
  const device = infoOf(typeof wx.getDeviceInfo === 'function' ? () => wx.getDeviceInfo() : undefined);
  const windowInfo = infoOf(typeof wx.getWindowInfo === 'function' ? () => wx.getWindowInfo() : undefined);
  const app = infoOf(typeof wx.getAppBaseInfo === 'function' ? () => wx.getAppBaseInfo() : undefined);
  return {
    brand: device.brand ?? null,
    model: device.model ?? null,
    system: device.system ?? null,
    platform: device.platform ?? null,
    benchmarkLevel: device.benchmarkLevel ?? null,
    pixelRatio: windowInfo.pixelRatio ?? null,
    screenWidth: windowInfo.screenWidth ?? null,
    screenHeight: windowInfo.screenHeight ?? null,
    wechatVersion: app.version ?? null,
    sdkVersion: app.SDKVersion ?? null,
    language: app.language ?? null,
  };
}

let fingerprint: string | undefined;

/** `X-Device-Fingerprint`: SHA-256 (hex) of the device traits, in a fixed key order. Made once per launch. */
export function deviceFingerprint(): string {
  if (fingerprint === undefined) {
    const traits = deviceTraits();
    const canonical = Object.keys(traits)
      .sort()
      .map((key) => `${key}=${String(traits[key])}`)
      .join('\n');
    fingerprint = sha256Hex(canonical);
  }
  return fingerprint;
}
