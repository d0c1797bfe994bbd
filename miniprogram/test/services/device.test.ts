import { beforeEach, describe, expect, it, vi } from 'vitest';
import { installWx, type WxShim } from '../support/wx-node.js';

let shim: WxShim;

beforeEach(() => {
  vi.resetModules();
  shim = installWx({ loginCode: () => 'unused' });
});

const device = () => import('../../services/device.js');

describe('the device id', () => {
  it('is made once per install and kept in storage', async () => {
    const { deviceId } = await device();
    const id = deviceId();
    expect(id).toMatch(/^d-[a-z0-9]+-[0-9a-f]{24}$/);
    expect(deviceId()).toBe(id);
    expect(shim.storage.get('rallyboard.deviceId')).toBe(id);
  });
});

describe('the device fingerprint', () => {
  it('is a SHA-256 of the device, window and app traits, the same for the same phone', async () => {
    const first = (await device()).deviceFingerprint();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    vi.resetModules();
    installWx({ loginCode: () => 'unused' });
    expect((await device()).deviceFingerprint()).toBe(first);
  });

  it('differs on another phone', async () => {
    const first = (await device()).deviceFingerprint();
    vi.resetModules();
    const other = installWx({ loginCode: () => 'unused' });
    const info = other.wx.getDeviceInfo();
    (other.wx as { getDeviceInfo: () => unknown }).getDeviceInfo = () => ({ ...info, model: 'Pixel 8' });
    const { deviceFingerprint, deviceTraits } = await device();
    expect(deviceTraits()).toMatchObject({ model: 'Pixel 8', pixelRatio: 3, language: 'zh_CN' });
    expect(deviceFingerprint()).not.toBe(first);
  });
});
