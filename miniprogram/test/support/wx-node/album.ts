import type { Callback } from './callbacks.js';

/**
 * WeChat's permission state: `authSetting` as wx.getSetting reports it; what the user answers
 * to wx.authorize's prompt and in wx.openSetting; how many prompts were shown.
 */
export interface WxPermissions {
  authSetting: Record<string, boolean>;
  promptAnswer: 'allow' | 'deny';
  grantInSettings: boolean;
  prompts: number;
}

/** Permissions as WeChat asks for and keeps them, and the photo album images are saved to. */
export function createWxAlbum() {
  const permissions: WxPermissions = {
    authSetting: {},
    promptAnswer: 'allow',
    grantInSettings: true,
    prompts: 0,
  };
  const album: string[] = [];

  const wx = {
    getSetting: (o: { success?: Callback<{ authSetting: Record<string, boolean> }> }) =>
      setTimeout(() => o.success?.({ authSetting: { ...permissions.authSetting } }), 0),
    authorize: (o: { scope: string; success?: Callback<unknown>; fail?: Callback<{ errMsg: string }> }) =>
      setTimeout(() => {
        // WeChat prompts only while the user has not answered; after that it answers alone.
        if (!(o.scope in permissions.authSetting)) {
          permissions.prompts++;
          permissions.authSetting[o.scope] = permissions.promptAnswer === 'allow';
        }
        if (permissions.authSetting[o.scope]) o.success?.({ errMsg: 'authorize:ok' });
        else o.fail?.({ errMsg: 'authorize:fail auth deny' });
      }, 0),
    openSetting: (o: { success?: Callback<{ authSetting: Record<string, boolean> }> }) =>
      setTimeout(() => {
        if (permissions.grantInSettings) permissions.authSetting['scope.writePhotosAlbum'] = true;
        o.success?.({ authSetting: { ...permissions.authSetting } });
      }, 0),
    saveImageToPhotosAlbum: (o: {
      filePath: string;
      success?: Callback<unknown>;
      fail?: Callback<{ errMsg: string }>;
    }) =>
      setTimeout(() => {
        if (permissions.authSetting['scope.writePhotosAlbum'] !== true) {
          return o.fail?.({ errMsg: 'saveImageToPhotosAlbum:fail auth deny' });
        }
        album.push(o.filePath);
        o.success?.({ errMsg: 'saveImageToPhotosAlbum:ok' });
      }, 0),
  };

  return { wx, permissions, album };
}
