import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_PREFIX, CONTROLS, ControlError } from './control.js';
import { errorBody } from './errors.js';
import { type FakeAnswer, HANDLERS } from './handlers.js';
import { type WeChatFakeOptions, WeChatFakeState } from './state.js';

export { ANY_PATH, FAKE_PATHS, type WeChatFakeOptions, WeChatFakeState } from './state.js';

export interface StartWeChatFakeOptions extends WeChatFakeOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

export interface WeChatFake {
  /** The base URL to configure as WECHAT_API_BASE. */
  url: string;
  /** What the fake knows and its controls (also reachable over HTTP under /__fake/). */
  state: WeChatFakeState;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > MAX_BODY_BYTES) throw new ControlError('body too large');
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  if ('json' in answer) {
    // WeChat answers errors with HTTP 200 and a JSON body.
    res.writeHead(200, { 'content-type': 'application/json; encoding=utf-8' });
    res.end(JSON.stringify(answer.json));
  } else {
    res.writeHead(answer.status, {
      'content-type': answer.contentType,
      'content-length': answer.body.length,
    });
    res.end(answer.body);
  }
}

/**
 * A local WeChat server API that follows ../shared/wechat-api.md, error codes included, so the
 * client can be tested over real HTTP and the demo can log in without WeChat. Plain node:http.
 */
export async function startWeChatFake(options: StartWeChatFakeOptions = {}): Promise<WeChatFake> {
  const state = new WeChatFakeState(options);
  const pending = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(timer);
        resolve();
      }, ms);
      pending.add(timer);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = req.method ?? 'GET';
    const bytes = await readBody(req);

    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const name = url.pathname.slice(CONTROL_PREFIX.length);
      if (name === 'calls' && method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ calls: Object.fromEntries(state.calls) }));
        return;
      }
      if (name === 'sent' && method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sent: state.sent }));
        return;
      }
      const control = Object.hasOwn(CONTROLS, name) ? CONTROLS[name] : undefined;
      const args = parseJson(bytes) ?? {};
      if (!control || method !== 'POST' || typeof args !== 'object' || Array.isArray(args)) {
        res.writeHead(control ? 400 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: control ? 'POST a JSON object' : `no control ${name}` }));
        return;
      }
      const result = control(state, args as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, ...result }));
      return;
    }

    const documented = state.count(url.pathname);
    const endpoint = HANDLERS.get(url.pathname);
    if (!documented || !endpoint) return send(res, { json: errorBody(40066, 'invalid url') });
    const { delayMs, failure } = state.takeFaults(url.pathname);
    if (delayMs > 0) await wait(delayMs);
    if (failure?.kind === 'errcode') return send(res, { json: errorBody(failure.errcode, failure.errmsg) });
    if (failure?.kind === 'garble') {
      return send(res, {
        status: 502,
        contentType: 'text/html',
        body: Buffer.from('<html><body>502 Bad Gateway</body></html>'),
      });
    }
    if (method !== endpoint.method)
      return send(res, { json: errorBody(43002, `require ${endpoint.method}`) });
    const body = method === 'POST' ? parseJson(bytes) : undefined;
    send(res, endpoint.handle({ method, query: url.searchParams, body }, state));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      const known = error instanceof ControlError;
      res.writeHead(known ? 400 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(known ? { ok: false, error: error.message } : errorBody(-1)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    state,
    async close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
