import { createHash } from 'node:crypto';
import { connectMongo } from '@rallyboard/core/db';
import type { ErrorBody, TokenPair } from '@rallyboard/core/protocol';
import { scanKeys } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { createSessions, type Sessions } from '../../src/auth/sessions.js';
import { createTokenSigner } from '../../src/auth/tokens.js';

const config = testConfig();
let mongo: Connection;
let server: TestServer;
/** The same sessions the server keeps: same Redis, keys and secret. */
let sessions: Sessions;
const tokens = createTokenSigner(config.auth);

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  sessions = createSessions({
    redis: server.deps.redis,
    keys: server.deps.keys,
    tokens,
    refreshTtlSeconds: config.auth.participantRefreshTtlSeconds,
  });
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const refresh = (refreshToken: string) => post('/api/auth/refresh', { refreshToken });
const logout = (refreshToken: string) => post('/api/auth/logout', { refreshToken });

async function pairOf(res: Response): Promise<TokenPair> {
  expect(res.status).toBe(200);
  return (await res.json()) as TokenPair;
}
async function refused(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(((await res.json()) as ErrorBody).error.code).toBe('REFRESH_TOKEN_INVALID');
}
/** GETs a participant route with the token: 200, or the error code. */
async function useToken(token: string): Promise<string | 200> {
  const res = await fetch(`${server.url}/api/me/votes?boardId=b1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return res.status === 200 ? 200 : ((await res.json()) as ErrorBody).error.code;
}

describe('POST /api/auth/refresh', () => {
  it('trades a refresh token for a new pair of the same participant', async () => {
    const first = await sessions.start('p-refresh-1');
    const next = await pairOf(await refresh(first.refreshToken));
    expect(next.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(await tokens.verify(next.token, 'participant')).toEqual({
      kind: 'participant',
      participantId: 'p-refresh-1',
    });
    expect(await useToken(next.token)).toBe(200);
  });

  it('takes each refresh token once: the one it replaced stops working', async () => {
    const first = await sessions.start('p-refresh-2');
    await pairOf(await refresh(first.refreshToken));
    await refused(await refresh(first.refreshToken));
  });

  it('revokes the whole sign-in when a used token comes back: its successor stops working too', async () => {
    const first = await sessions.start('p-stolen');
    const other = await sessions.start('p-stolen'); // another sign-in of the same participant
    const second = await pairOf(await refresh(first.refreshToken));
    // Whoever copied the first token tries it: refused, and the family with it.
    await refused(await refresh(first.refreshToken));
    await refused(await refresh(second.refreshToken));
    // The other sign-in is a family of its own.
    await pairOf(await refresh(other.refreshToken));
  });

  it('lets one of two racing refreshes with one token through, and treats the other as a reuse', async () => {
    const first = await sessions.start('p-racing');
    const answers = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    const winner = (await (answers.find((a) => a.status === 200) as Response).json()) as TokenPair;
    await refused(await refresh(winner.refreshToken));
  });

  it('refuses a token it never issued, and keeps nothing for it', async () => {
    const made = 'A'.repeat(43);
    await refused(await refresh(made));
    const hash = createHash('sha256').update(made).digest('base64url');
    const { live, used } = server.deps.keys.refreshToken(hash);
    expect(await server.deps.redis.exists(live, used)).toBe(0);
  });

  it('stores a refresh token only as its SHA-256, for the refresh TTL', async () => {
    const pair = await sessions.start('p-stored');
    const hash = createHash('sha256').update(pair.refreshToken).digest('base64url');
    const { redis, keys } = server.deps;
    const ttl = await redis.ttl(keys.refreshToken(hash).live);
    expect(ttl).toBeGreaterThan(config.auth.participantRefreshTtlSeconds - 60);
    expect(ttl).toBeLessThanOrEqual(config.auth.participantRefreshTtlSeconds);
    // Every node's keys (on a Redis Cluster, KEYS would ask one node).
    const stored: string[] = [];
    for await (const batch of scanKeys(redis, `${keys.prefix}:auth:*`)) stored.push(...batch);
    expect(stored.length).toBeGreaterThanOrEqual(2);
    const values = await Promise.all(stored.map((key) => redis.get(key)));
    expect([...stored, ...values].join('\n')).not.toContain(pair.refreshToken);
    expect(Date.parse(pair.refreshExpiresAt) - Date.now()).toBeLessThanOrEqual(
      config.auth.participantRefreshTtlSeconds * 1_000,
    );
  });

  it.each([
    { name: 'no token', body: {}, path: 'body.refreshToken' },
    { name: 'a token with spaces', body: { refreshToken: 'a b' }, path: 'body.refreshToken' },
    { name: 'an unknown field', body: { refreshToken: 'abc', participantId: 'p1' }, path: 'body' },
  ])('refuses $name with 400 INVALID_INPUT', async ({ body, path }) => {
    const res = await post('/api/auth/refresh', body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as ErrorBody;
    expect(answer.error.code).toBe('INVALID_INPUT');
    expect((answer.error.details as { path: string }[]).map((d) => d.path)).toContain(path);
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the sign-in: neither the token nor its predecessors refresh any more', async () => {
    const first = await sessions.start('p-leaving');
    const second = await pairOf(await refresh(first.refreshToken));
    const res = await logout(second.refreshToken);
    expect(res.status).toBe(204);
    await refused(await refresh(second.refreshToken));
  });

  it('revokes the sign-in given a token already used, too', async () => {
    const first = await sessions.start('p-leaving-2');
    const second = await pairOf(await refresh(first.refreshToken));
    expect((await logout(first.refreshToken)).status).toBe(204);
    await refused(await refresh(second.refreshToken));
  });

  it('answers 204 for a token it does not know', async () => {
    expect((await logout('B'.repeat(43))).status).toBe(204);
  });
});

describe('participant tokens', () => {
  it('expire: a route answers 401 TOKEN_EXPIRED, and a refresh gives one that works', async () => {
    const pair = await sessions.start('p-expiring');
    const lateSigner = createTokenSigner(config.auth, () => Date.now() - 3 * 3_600_000);
    const expired = (await lateSigner.participant({ participantId: 'p-expiring' })).token;
    expect(await useToken(expired)).toBe('TOKEN_EXPIRED');
    const next = await pairOf(await refresh(pair.refreshToken));
    expect(await useToken(next.token)).toBe(200);
  });
});
