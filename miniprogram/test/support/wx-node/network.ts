import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failWith, succeed } from './callbacks.js';

/** A request the mini-program sent: method and URL, with the headers and the parsed body. */
export interface SentRequest {
  method: string;
  url: string;
  header: Record<string, string>;
  body: unknown;
}

/**
 * What the server answers when it gave up waiting for Redis (server/src/lib/when-available.ts):
 * the request may have been acted on all the same.
 */
const SERVICE_UNAVAILABLE = {
  statusCode: 503,
  data: {
    error: {
      code: 'SERVICE_UNAVAILABLE',
      message: 'The service is temporarily unavailable. Try again shortly.',
    },
  },
  header: { 'retry-after': '1' },
  cookies: [],
  errMsg: 'request:ok',
};

/** A refusal the server answers without acting on the request: its status and catalogue code. */
export interface Refusal {
  status: number;
  code: string;
  details?: unknown;
}

/**
 * wx.request on fetch and wx.downloadFile into a temporary folder, with every request recorded
 * and answers lost, or replaced by a 503, or requests refused, on demand.
 */
export function createWxNetwork() {
  const requests: SentRequest[] = [];
  const losses: { left: number; match: RegExp }[] = [];
  const unavailable: { left: number; match: RegExp }[] = [];
  const refusals: { left: number; match: RegExp; refusal: Refusal }[] = [];
  const downloads = mkdtempSync(join(tmpdir(), 'wx-downloads-'));
  let downloaded = 0;

  const wx = {
    request(opts: WechatMiniprogram.RequestOption) {
      const method = opts.method ?? 'GET';
      const header = (opts.header ?? {}) as Record<string, string>;
      const body =
        typeof opts.data === 'string'
          ? opts.data
          : opts.data === undefined
            ? undefined
            : JSON.stringify(opts.data);
      requests.push({
        method,
        url: opts.url,
        header,
        body: body === undefined ? undefined : JSON.parse(body),
      });
      const loss = losses.find((l) => l.left > 0 && l.match.test(opts.url));
      if (loss) loss.left--;
      const outage = unavailable.find((u) => u.left > 0 && u.match.test(opts.url));
      if (outage) outage.left--;
      // A request whose answer is lost or replaced above is not refused: it reaches the server.
      const refused = loss || outage ? undefined : refusals.find((r) => r.left > 0 && r.match.test(opts.url));
      if (refused) {
        refused.left--;
        const { status, code, details } = refused.refusal;
        const error = {
          code,
          message: `refused by the test: ${code}`,
          ...(details === undefined ? {} : { details }),
        };
        setTimeout(
          () =>
            succeed(opts as never, {
              statusCode: status,
              data: { error },
              header: {},
              cookies: [],
              errMsg: 'request:ok',
            }),
          0,
        );
        return { abort() {} };
      }
      void fetch(opts.url, { method, headers: header, ...(body === undefined ? {} : { body }) })
        .then(async (res) => {
          const text = await res.text();
          if (loss) return failWith(opts as never, 'request:fail interrupted');
          if (outage) return succeed(opts as never, SERVICE_UNAVAILABLE);
          let data: unknown = text;
          if ((opts.dataType ?? 'json') === 'json') {
            try {
              data = JSON.parse(text);
            } catch {
              // wx.request hands over the text when it is not JSON.
            }
          }
          succeed(opts as never, {
            statusCode: res.status,
            data,
            header: Object.fromEntries(res.headers),
            cookies: [],
            errMsg: 'request:ok',
          });
        })
        .catch((error: unknown) => failWith(opts as never, `request:fail ${String(error)}`));
      return { abort() {} };
    },

    downloadFile(opts: WechatMiniprogram.DownloadFileOption) {
      void fetch(opts.url)
        .then(async (res) => {
          const tempFilePath = join(downloads, `tmp-${++downloaded}`);
          writeFileSync(tempFilePath, Buffer.from(await res.arrayBuffer()));
          succeed(opts as never, { statusCode: res.status, tempFilePath, errMsg: 'downloadFile:ok' });
        })
        .catch((error: unknown) => failWith(opts as never, `downloadFile:fail ${String(error)}`));
      return { abort() {} };
    },
  };

  return {
    wx,
    requests,
    loseAnswers(n: number, match = /./) {
      losses.push({ left: n, match });
    },
    answerUnavailable(n: number, match = /./) {
      unavailable.push({ left: n, match });
    },
    refuseRequests(n: number, match: RegExp, refusal: Refusal) {
      refusals.push({ left: n, match, refusal });
    },
  };
}
