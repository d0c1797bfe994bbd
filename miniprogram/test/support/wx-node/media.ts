import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { failWith, succeed } from './callbacks.js';
import type { SentRequest } from './network.js';

/**
 * wx.chooseMedia answered with the files a test put in `picks` (one list per call; none left, or
 * an empty list, is the user cancelling), and wx.uploadFile on fetch: the file read from its
 * path and sent as multipart/form-data, as WeChat's client sends it (no content type of its own).
 */
export function createWxMedia(requests: SentRequest[]) {
  const picks: string[][] = [];
  const wx = {
    chooseMedia(opts: WechatMiniprogram.ChooseMediaOption) {
      setTimeout(() => {
        const files = picks.shift() ?? [];
        if (files.length === 0) return failWith(opts as never, 'chooseMedia:fail cancel');
        const chosen = files.slice(0, opts.count ?? 9);
        succeed(opts as never, {
          type: 'image',
          tempFiles: chosen.map((tempFilePath) => ({ tempFilePath, size: 0, fileType: 'image' })),
          errMsg: 'chooseMedia:ok',
        });
      }, 0);
    },
    uploadFile(opts: WechatMiniprogram.UploadFileOption) {
      const header = (opts.header ?? {}) as Record<string, string>;
      requests.push({
        method: 'POST',
        url: opts.url,
        header,
        body: { file: opts.filePath, name: opts.name },
      });
      void readFile(opts.filePath)
        .then(async (bytes) => {
          const form = new FormData();
          for (const [key, value] of Object.entries(opts.formData ?? {})) form.append(key, String(value));
          form.append(opts.name, new Blob([new Uint8Array(bytes)]), basename(opts.filePath));
          const res = await fetch(opts.url, { method: 'POST', headers: header, body: form });
          succeed(opts as never, { statusCode: res.status, data: await res.text(), errMsg: 'uploadFile:ok' });
        })
        .catch(() => failWith(opts as never, 'uploadFile:fail'));
    },
  };
  return { wx, picks };
}
