import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import type * as Auth from '../../services/auth.js';
import type * as Live from '../../services/live.js';
import type * as Votes from '../../services/votes.js';
import { compileForTest } from '../support/compiled.js';
import { miniprogramRuntime } from '../support/runtime.js';
import { createWx } from '../support/wx-node.js';

// The compiled mini-program with its own bundles (miniprogram_npm: zod, socket.io-client,
// engine.io), in a runtime like WeChat's, against the real server: what the other tests cannot
// show, since under Node the services find those packages in node_modules.
let fake: WeChatFake;
let config: ReturnType<typeof configFor>;
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let build: Awaited<ReturnType<typeof compileForTest>>;

beforeAll(async () => {
  fake = await startFake();
  config = configFor(fake);
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
  build = await compileForTest();
});
afterAll(async () => {
  await worker.close();
  await server.close();
  await mongo.close();
  await fake.close();
  await build.remove();
});

describe('the compiled mini-program in a runtime like WeChat’s', () => {
  it('signs in, votes and watches the ranking move with its bundled socket.io and zod', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    await createLiveCampaign(mongo, boardId, {
      title: `runtime ${boardId}`,
      kind: 'vote',
      members: [
        { candidateId: 'alice', name: 'alice' },
        { candidateId: 'bob', name: 'bob' },
      ],
      // Not a test of risk control: its participants share one address and tap at once.
      risk: { enabled: false },
    });
    const user = randomId('rt');
    let codes = 0;
    const shim = createWx({ loginCode: () => `ok-${user}.${++codes}` });
    const { require } = miniprogramRuntime(build.dir, shim.wx);
    (require('config.js') as { configure(c: { apiBase: string }): void }).configure({ apiBase: server.url });
    const { login } = require('services/auth.js') as typeof Auth;
    const { LiveBoard } = require('services/live.js') as typeof Live;
    const { castVote, voteIntent } = require('services/votes.js') as typeof Votes;

    const session = await login();
    expect(session.participantId).toMatch(/^p/);
    const scores: number[] = [];
    const live = new LiveBoard({
      boardId,
      onChange: (state) => scores.push(state.entries.find((e) => e.candidateId === 'bob')?.score ?? 0),
    });
    live.start();
    try {
      await eventually(async () => live.connected && scores.length > 0, 10_000, 'subscribed');
      await castVote(voteIntent({ boardId, candidateId: 'bob', action: 'vote' }));
      await eventually(async () => scores.at(-1) === 1, 20_000, 'bob at 1, pushed');
      expect(shim.sockets).toHaveLength(1);
    } finally {
      live.stop();
    }
  });

  it('runs zod without compiling code from strings, which the runtime refuses as WeChat does', () => {
    const { require, run } = miniprogramRuntime(build.dir, createWx({ loginCode: () => 'unused' }).wx);
    expect(() => run("new Function('return 1')")).toThrow(/Code generation from strings disallowed/);
    expect(() => run("eval('1')")).toThrow(/Code generation from strings disallowed/);
    expect(run('typeof window + typeof self + typeof process + typeof require')).toBe(
      'undefinedundefinedundefinedundefined',
    );
    const { z } = require('miniprogram_npm/zod/index.js') as typeof import('zod');
    const schema = z.object({ a: z.string(), at: z.iso.datetime() });
    expect(schema.parse({ a: 'x', at: '2026-01-01T00:00:00Z' })).toEqual({
      a: 'x',
      at: '2026-01-01T00:00:00Z',
    });
    expect(schema.safeParse({ a: 1 }).success).toBe(false);
  });
});
