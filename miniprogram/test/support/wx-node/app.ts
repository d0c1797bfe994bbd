import { succeed } from './callbacks.js';

/**
 * What WeChat tells the app about itself: a login code (from `loginCode`, for the fake WeChat
 * server), storage in memory, the device, window and base library, and the app going to the
 * background and coming back.
 */
export function createWxApp(loginCode: () => string) {
  const storage = new Map<string, unknown>();
  const appShow = new Set<(...args: unknown[]) => void>();
  const appHide = new Set<(...args: unknown[]) => void>();

  const wx = {
    login(opts: WechatMiniprogram.LoginOption) {
      setTimeout(() => succeed(opts as never, { code: loginCode(), errMsg: 'login:ok' }), 0);
    },

    getStorageSync: (key: string) => (storage.has(key) ? structuredClone(storage.get(key)) : ''),
    setStorageSync: (key: string, value: unknown) => void storage.set(key, structuredClone(value)),
    removeStorageSync: (key: string) => void storage.delete(key),

    getDeviceInfo: () => ({
      brand: 'devtools',
      model: 'iPhone 15',
      system: 'iOS 17.0',
      platform: 'devtools',
      benchmarkLevel: 1,
      abi: '',
      deviceAbi: '',
      cpuType: '',
      memorySize: '',
    }),
    getWindowInfo: () => ({
      pixelRatio: 3,
      screenWidth: 393,
      screenHeight: 852,
      windowWidth: 393,
      windowHeight: 852,
      statusBarHeight: 47,
      safeArea: { left: 0, right: 393, top: 47, bottom: 818, width: 393, height: 771 },
      screenTop: 0,
    }),
    getAppBaseInfo: () => ({ SDKVersion: '3.7.0', version: '8.0.50', language: 'zh_CN', enableDebug: false }),

    onAppShow: (cb: (...args: unknown[]) => void) => void appShow.add(cb),
    offAppShow: (cb: (...args: unknown[]) => void) => void appShow.delete(cb),
    onAppHide: (cb: (...args: unknown[]) => void) => void appHide.add(cb),
    offAppHide: (cb: (...args: unknown[]) => void) => void appHide.delete(cb),
  };

  return {
    wx,
    storage,
    /** Runs the app-hide listeners. */
    hide() {
      for (const cb of appHide) cb();
    },
    /** Runs the app-show listeners. */
    show() {
      for (const cb of appShow) cb({ path: '', query: {}, scene: 1001 });
    },
  };
}
