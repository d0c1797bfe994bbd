const SCOPE = 'scope.writePhotosAlbum';

function setting(): Promise<Record<string, boolean | undefined>> {
  return new Promise((resolve) => {
    wx.getSetting({
      success: (res) => resolve(res.authSetting as Record<string, boolean | undefined>),
      fail: () => resolve({}),
    });
  });
}

function ask(): Promise<boolean> {
  return new Promise((resolve) => {
    wx.authorize({ scope: SCOPE, success: () => resolve(true), fail: () => resolve(false) });
  });
}

function confirm(content: string): Promise<boolean> {
  return new Promise((resolve) => {
    wx.showModal({
      title: '需要保存到相册的权限',
      content,
      confirmText: '去设置',
      success: (res) => resolve(res.confirm),
      fail: () => resolve(false),
    });
  });
}

function openSetting(): Promise<boolean> {
  return new Promise((resolve) => {
    wx.openSetting({
      success: (res) => resolve((res.authSetting as Record<string, boolean | undefined>)[SCOPE] === true),
      fail: () => resolve(false),
    });
  });
}

/**
 * Permission to save to the album, asked for only when the user taps "save": WeChat's own
 * prompt the first time; after a refusal, an explanation and, if the user agrees, the settings
 * page. Never asked at launch, and nothing else depends on it.
 */
async function albumPermission(): Promise<boolean> {
  const granted = (await setting())[SCOPE];
  if (granted === true) return true;
  if (granted === undefined) return ask();
  if (!(await confirm('海报需要保存到你的相册。你之前拒绝了这个权限，可以在设置中打开。'))) return false;
  return openSetting();
}

/** Saves an image to the album once permission is given; says why not otherwise. */
export async function saveToAlbum(filePath: string): Promise<{ saved: boolean; message: string }> {
  if (!(await albumPermission())) return { saved: false, message: '没有相册权限，海报未保存' };
  return new Promise((resolve) => {
    wx.saveImageToPhotosAlbum({
      filePath,
      success: () => resolve({ saved: true, message: '海报已保存到相册' }),
      fail: () => resolve({ saved: false, message: '保存失败，请稍后再试' }),
    });
  });
}
