import type { Env } from '@rallyboard/core/config';
import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from './stack.js';
import { configFor, startFake, type WeChatFake } from './wechat.js';

/** A test file's fake WeChat, its config (pointed at the fake), MongoDB and server. */
export interface WeChatServerEnv {
  fake: WeChatFake;
  config: ReturnType<typeof configFor>;
  mongo: Connection;
  server: TestServer;
}

/**
 * Starts the file's fake WeChat, then a server configured for it (configFor: the tests'
 * templates and push Token, and `overrides`) on a MongoDB connection of its own, before its tests; closes them
 * after. The returned object is filled in by the time the tests run.
 */
export function useWeChatServer(overrides: Env = {}): WeChatServerEnv {
  const env = {} as WeChatServerEnv;
  beforeAll(async () => {
    env.fake = await startFake();
    env.config = configFor(env.fake, overrides);
    env.mongo = await connectMongo(env.config.mongo.uri, 'test');
    env.server = await startTestServer(env.config, env.mongo);
  });
  afterAll(async () => {
    await env.server.close();
    await env.mongo.close();
    await env.fake.close();
  });
  return env;
}
