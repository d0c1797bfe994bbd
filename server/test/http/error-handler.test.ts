import type { AddressInfo } from 'node:net';
import { connectMongo } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import { AppError, ERROR_CATALOGUE, type ErrorBody } from '@rallyboard/core/protocol';
import express from 'express';
import { Redis } from 'ioredis';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { captureLogs } from '../../../test/support/wechat.js';
import { errorHandler } from '../../src/http/error-handler.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as ErrorBody };
}

describe('the error handler', () => {
  it.each([
    '/api/boards/%/totals',
    '/api/boards/%zz/leaderboard',
    '/api/boards/%E0%A4%A/totals',
    '/api/boards/b1/members/%ED%A0%80',
  ])('answers %s, a path param with a broken escape, with 400 INVALID_INPUT, not a 500', async (path) => {
    expect(await get(path)).toEqual({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', message: 'The address has a broken %-escape.' } },
    });
  });

  it('still answers an unknown address with a broken %-escape as NOT_FOUND', async () => {
    expect(await get('/api/nothing-here/%')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
  });

  it.each([
    ['application/json; charset=latin1', {}],
    ['application/json', { 'content-encoding': 'x-unknown' }],
  ])('answers a JSON body sent as %s %j with 415 UNSUPPORTED_MEDIA_TYPE', async (type, headers) => {
    const res = await fetch(`${server.url}/api/auth/wechat`, {
      method: 'POST',
      headers: { 'content-type': type, ...headers },
      body: '{"code":"ok-someone"}',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as ErrorBody).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each(['gzip', 'br', 'deflate'])(
    'answers a %s body that does not decompress with 400 INVALID_INPUT, not a 500',
    async (encoding) => {
      const res = await fetch(`${server.url}/api/auth/wechat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: '{"code":"ok-someone"}',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error.code).toBe('INVALID_INPUT');
    },
  );

  it('answers an unexpected error as a bare INTERNAL, and logs what happened for us, not for the client', async () => {
    const { logger, lines } = captureLogs();
    const app = express();
    app.get('/boom', () => {
      throw new Error('connect ECONNREFUSED 10.0.0.5:27017 (secret internals)');
    });
    app.use(errorHandler(logger as unknown as Logger));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    try {
      const { port } = listening.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/boom`);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toEqual({
        error: { code: 'INTERNAL', message: ERROR_CATALOGUE.INTERNAL.message },
      });
      expect(text).not.toContain('ECONNREFUSED');
      expect(lines.join('\n')).toContain('ECONNREFUSED 10.0.0.5:27017');
    } finally {
      listening.close();
    }
  });

  it('answers a store that could not answer, on a route that did not say so, with a retryable 503', async () => {
    // Real errors of our stores' clients, with nothing listening where they connect.
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false });
    const redisError = await redis.get('k').catch((error: unknown) => error);
    redis.disconnect();
    const mongoError = await mongoose
      .createConnection('mongodb://127.0.0.1:1/x', { serverSelectionTimeoutMS: 100 })
      .asPromise()
      .catch((error: unknown) => error);
    const { logger } = captureLogs();
    const app = express();
    app.get('/redis', () => {
      throw redisError;
    });
    app.get('/mongo', () => {
      throw mongoError;
    });
    app.get('/wrapped', () => {
      throw new Error('the view failed', { cause: mongoError });
    });
    app.use(errorHandler(logger as unknown as Logger));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    try {
      const { port } = listening.address() as AddressInfo;
      for (const path of ['/redis', '/mongo', '/wrapped']) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        expect([path, res.status, res.headers.get('retry-after')]).toEqual([path, 503, '1']);
        expect(((await res.json()) as ErrorBody).error.code).toBe('SERVICE_UNAVAILABLE');
      }
    } finally {
      listening.close();
    }
  });

  it('logs a failed request without the secrets of its query string, as the access log does', async () => {
    const { logger, lines } = captureLogs();
    const app = express();
    app.get('/api/screens/s1', () => {
      throw new AppError('SERVICE_UNAVAILABLE');
    });
    app.use(errorHandler(logger as unknown as Logger));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    try {
      const { port } = listening.address() as AddressInfo;
      const res = await fetch(
        `http://127.0.0.1:${port}/api/screens/s1?token=s3cret-screen&signature=sig-abc&nonce=n0nce&w=day`,
      );
      expect(res.status).toBe(503);
      const logged = lines.join('\n');
      expect(logged).toContain('/api/screens/s1');
      expect(logged).toContain('w=day');
      for (const secret of ['s3cret-screen', 'sig-abc', 'n0nce']) expect(logged).not.toContain(secret);
    } finally {
      listening.close();
    }
  });
});
