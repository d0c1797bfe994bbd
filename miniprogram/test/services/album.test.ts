import { beforeEach, describe, expect, it } from 'vitest';
import { saveToAlbum } from '../../services/album.js';
import { installWx, type WxShim } from '../support/wx-node.js';

let shim: WxShim;

beforeEach(() => {
  shim = installWx({ loginCode: () => 'unused' });
});

describe('saving the poster to the album', () => {
  it("asks with WeChat's prompt the first time, and saves once allowed", async () => {
    expect(await saveToAlbum('/tmp/poster.png')).toEqual({ saved: true, message: '海报已保存到相册' });
    expect(shim.permissions.prompts).toBe(1);
    expect(shim.album).toEqual(['/tmp/poster.png']);
    await saveToAlbum('/tmp/poster-2.png');
    expect(shim.permissions.prompts).toBe(1);
  });

  it('saves nothing when the user says no', async () => {
    shim.permissions.promptAnswer = 'deny';
    expect(await saveToAlbum('/tmp/poster.png')).toEqual({
      saved: false,
      message: '没有相册权限，海报未保存',
    });
    expect(shim.album).toEqual([]);
  });

  it('after an earlier refusal, explains and opens the settings; saves only if the user turns it on', async () => {
    shim.permissions.authSetting['scope.writePhotosAlbum'] = false;
    shim.permissions.grantInSettings = false;
    expect((await saveToAlbum('/tmp/poster.png')).saved).toBe(false);
    expect(shim.shown.at(-1)).toContain('需要保存到相册的权限');
    shim.permissions.grantInSettings = true;
    expect((await saveToAlbum('/tmp/poster.png')).saved).toBe(true);
    expect(shim.album).toEqual(['/tmp/poster.png']);
    expect(shim.permissions.prompts).toBe(0);
  });
});
