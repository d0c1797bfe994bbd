import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll } from 'vitest';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { configFor, startFake } from '../../../test/support/wechat.js';
import { configure } from '../../config.js';
import type { LiveState } from '../../services/live.js';
import { installWx, type WxShim } from './wx-node.js';

/**
 * What the mini-program service tests share (they were one file, miniprogram/test/e2e/services.test.ts):
 * each test file's own fake WeChat, server and vote worker (its own key prefix and database), the
 * Node `wx` the services call, live campaigns, and waits on what the live board publishes.
 */

// The mini-program's own service modules, unchanged, under a Node `wx`, against the real
// server and a real vote worker; WeChat is the fake WeChat server.
export let fake: WeChatFake;
export let config: ReturnType<typeof configFor>;
export let mongo: Connection;
export let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
export let shim: WxShim;
export const user = randomId('mp');
let logins = 0;

/** Starts the file's fake WeChat, server and worker, and installs `wx`, before its tests; closes them after. */
export function useServicesStack(): void {
  beforeAll(async () => {
    fake = await startFake();
    config = configFor(fake);
    mongo = await connectMongo(config.mongo.uri, 'test');
    server = await startTestServer(config, mongo);
    worker = await startTestWorker(config, mongo);
    shim = installWx({
      loginCode: () => `ok-${user}.${++logins}`,
      // The fake logs `ok-<user>` in as openid `o-<user>`; an accept there allows one message.
      onSubscribe: (templateId) => fake.state.acceptSubscription(`o-${user}`, templateId),
    });
    configure({ apiBase: server.url });
  });
  afterAll(async () => {
    await worker.close();
    await server.close();
    await mongo.close();
    await fake.close();
  });
}

/** A live public vote campaign with its board: at most 3 votes a day per participant. */
export async function liveCampaign(): Promise<string> {
  const candidateIds = ['alice', 'bob', 'carol'];
  const campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds, {
    quotas: { perDay: 3 },
  });
  await createLiveCampaign(mongo, campaignId, {
    title: `小程序 ${campaignId}`,
    kind: 'vote',
    members: candidateIds.map((candidateId) => ({ candidateId, name: candidateId })),
    rules: { votesPerUserPerDay: 3 },
    // Not a test of risk control: its participants share one address and some tap at once.
    risk: { enabled: false },
  });
  return campaignId;
}

/** Waits until a state the live board published (from index `from` on) satisfies `probe`. */
export async function liveUntil(
  states: LiveState[],
  probe: (state: LiveState) => boolean,
  what: string,
  from = 0,
) {
  await eventually(async () => states.slice(from).some(probe), 20_000, what);
}

export const scoreOf = (state: LiveState, candidateId: string) =>
  state.entries.find((e) => e.candidateId === candidateId)?.score ?? 0;
