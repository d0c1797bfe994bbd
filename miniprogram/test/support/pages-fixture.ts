import { createRequire } from 'node:module';
import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll } from 'vitest';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import {
  seedBoard,
  startTestServer,
  type startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { configFor, startFake } from '../../../test/support/wechat.js';
import { compileForTest } from './compiled.js';
import { renderPage, type SimPage, settle } from './simulate.js';
import { installWx, type WxShim } from './wx-node.js';

/**
 * What the page tests share (they were one file, miniprogram/test/pages/pages.test.ts): each test
 * file's own fake WeChat and server (its own key prefix and database), the mini-program compiled
 * for it, the Node `wx`, a live vote campaign, and opening a page as WeChat does.
 */

const require = createRequire(import.meta.url);

// The pages, compiled as the mini-program runs them, rendered by miniprogram-simulate, with
// the Node wx against the real server (WeChat is the fake WeChat server).
export let fake: WeChatFake;
export let config: ReturnType<typeof configFor>;
export let mongo: Connection;
export let server: TestServer;
let build: Awaited<ReturnType<typeof compileForTest>>;
export let shim: WxShim;
/** The live vote campaign every file has: alice and bob, at most 3 votes a day. */
export let campaignId: string;

interface PageMethods {
  onLoad(query: Record<string, string>): Promise<void>;
  onShow(): void;
  onUnload(): void;
  onShareAppMessage(): { title: string; path: string };
  data: Record<string, unknown>;
}

/** Changes the compiled mini-program's own settings (its config module): the server, the top N. */
export function configureMiniProgram(changes: { apiBase?: string; rankTopN?: number }): void {
  const { configure } = require(`${build.dir}/config.js`) as { configure(c: typeof changes): void };
  configure(changes);
}

/** Where the compiled mini-program's services send requests. */
const pointAt = (url: string) => configureMiniProgram({ apiBase: url });

/**
 * The app killed and opened again: the compiled mini-program's modules are forgotten, so the
 * pages opened next run them afresh, with nothing kept in memory, over the same storage (and the
 * same server). Unload its pages first.
 */
export function relaunchApp(): void {
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(build.dir)) delete require.cache[file];
  }
  pointAt(server.url);
}

interface PagesStackOptions {
  /** The next wx.login code; by default a fake WeChat user of the file's own. */
  loginCode?: () => string;
  /** The vote worker the file's tests started, if they did: closed first, after the tests. */
  worker?: () => Awaited<ReturnType<typeof startTestWorker>> | undefined;
}

/**
 * Starts the file's fake WeChat and server, compiles the mini-program, installs `wx` and makes
 * the live campaign before its tests; closes them after. No vote worker: the tests start one.
 */
export function usePagesStack(options: PagesStackOptions = {}): void {
  const user = randomId('pg');
  let logins = 0;
  const loginCode = options.loginCode ?? (() => `ok-${user}.${++logins}`);
  beforeAll(async () => {
    fake = await startFake();
    config = configFor(fake);
    mongo = await connectMongo(config.mongo.uri, 'test');
    server = await startTestServer(config, mongo);
    build = await compileForTest();
    shim = installWx({ loginCode });
    pointAt(server.url);
    const candidateIds = ['alice', 'bob'];
    campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds, { quotas: { perDay: 3 } });
    await createLiveCampaign(mongo, campaignId, {
      title: `校园之星 ${campaignId}`,
      kind: 'vote',
      members: [
        { candidateId: 'alice', name: '爱丽丝' },
        { candidateId: 'bob', name: '鲍勃' },
      ],
      schedule: {
        startAt: new Date(Date.now() - 3_600_000),
        endAt: new Date(Date.now() + 2 * 86_400_000),
        timezone: 'Asia/Shanghai',
      },
      rules: { votesPerUserPerDay: 3 },
      // Risk control is off here: every test participant shares one address and taps within
      // milliseconds, which it rightly finds suspect. The held vote (pages-held-votes-and-likes) has a
      // campaign of its own.
      risk: { enabled: false },
    });
  });
  afterAll(async () => {
    await options.worker?.()?.close();
    await server.close();
    await mongo.close();
    await fake.close();
    await build.remove();
  });
}

/** Opens a page as WeChat does: render, onLoad with the query, onShow. */
export async function open(page: string, query: Record<string, string> = {}): Promise<SimPage<PageMethods>> {
  const rendered = renderPage<PageMethods>(build.dir, page);
  await rendered.instance.onLoad(query);
  rendered.instance.onShow?.();
  await settle();
  return rendered;
}
