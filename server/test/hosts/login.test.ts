import { auditModel, hostModel } from '@rallyboard/core/db';
import type { HostLogin, HostView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { createTokenSigner } from '../../src/auth/tokens.js';
import { call, codeOf, createTestHost, TEST_PASSWORD } from '../support/hosts.js';

const config = testConfig({ RATE_LIMIT_HOST_LOGIN: '4' });
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(config);
});
afterAll(async () => {
  await server.close();
});

const login = (username: string, password: string) =>
  call<HostLogin>(server, undefined, 'POST', '/api/host/login', { username, password });

describe('POST /api/host/login', () => {
  it('answers a host token for the right password, which opens host routes', async () => {
    const host = await createTestHost(server, 'admin');
    const answer = await login(host.username, TEST_PASSWORD);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body.host).toEqual({ id: host.id, username: host.username, role: 'admin' });
    expect(Date.parse(answer.body.expiresAt) - Date.now()).toBeGreaterThan(
      (config.auth.hostTokenTtlSeconds - 60) * 1_000,
    );
    const me = await call<HostView>(server, answer.body.token, 'GET', '/api/host/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: host.id, username: host.username, role: 'admin', disabled: false });
    expect(me.body).not.toHaveProperty('passwordHash');
  });

  it('takes the username in any case', async () => {
    const host = await createTestHost(server);
    expect((await login(` ${host.username.toUpperCase()} `, TEST_PASSWORD)).status).toBe(200);
  });

  it('answers the same INVALID_CREDENTIALS for a wrong password and for an unknown username', async () => {
    const host = await createTestHost(server);
    const wrong = await login(host.username, `${TEST_PASSWORD}!`);
    const unknown = await login(`${host.username}-nobody`, TEST_PASSWORD);
    expect(wrong.status).toBe(401);
    expect(codeOf(wrong)).toBe('INVALID_CREDENTIALS');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('refuses a disabled account with INVALID_CREDENTIALS, even with the right password', async () => {
    const host = await createTestHost(server);
    await hostModel(server.deps.mongo).updateOne({ _id: host.id }, { $set: { disabled: true } });
    const answer = await login(host.username, TEST_PASSWORD);
    expect(codeOf(answer)).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a body with unknown fields, naming them', async () => {
    const answer = await call(server, undefined, 'POST', '/api/host/login', {
      username: 'someone',
      password: 'x',
      role: 'admin',
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('"path":"body"');
    expect(JSON.stringify(answer.body)).toContain('role');
  });

  it('limits attempts per address and username, right or wrong, and counts another username apart', async () => {
    const host = await createTestHost(server);
    const other = await createTestHost(server);
    for (let i = 0; i < 4; i++)
      expect(codeOf(await login(host.username, 'wrong password'))).toBe('INVALID_CREDENTIALS');
    const limited = await login(host.username, TEST_PASSWORD);
    expect(limited.status).toBe(429);
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(other.username, TEST_PASSWORD)).status).toBe(200);
  });

  it('records each sign-in in the audit log', async () => {
    const host = await createTestHost(server);
    expect((await login(host.username, TEST_PASSWORD)).status).toBe(200);
    const entries = await auditModel(server.deps.mongo).find({ 'target.id': host.id }).lean();
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'host.login',
        target: { type: 'host', id: host.id },
        actor: { hostId: host.id, username: host.username, role: 'host' },
        ip: expect.stringMatching(/127\.0\.0\.1/),
      }),
    ]);
  });
});

describe('host tokens', () => {
  it('are refused on host routes once the account is disabled or deleted', async () => {
    const disabled = await createTestHost(server);
    const deleted = await createTestHost(server);
    const hosts = hostModel(server.deps.mongo);
    await hosts.updateOne({ _id: disabled.id }, { $set: { disabled: true } });
    await hosts.deleteOne({ _id: deleted.id });
    for (const host of [disabled, deleted]) {
      const answer = await call(server, host.token, 'GET', '/api/host/me');
      expect(answer.status).toBe(401);
      expect(codeOf(answer)).toBe('UNAUTHENTICATED');
    }
  });

  it("carry the account's current role: an admin demoted to host loses admin routes", async () => {
    const admin = await createTestHost(server, 'admin');
    expect((await call(server, admin.token, 'GET', '/api/hosts')).status).toBe(200);
    await hostModel(server.deps.mongo).updateOne({ _id: admin.id }, { $set: { role: 'host' } });
    const answer = await call(server, admin.token, 'GET', '/api/hosts');
    expect(answer.status).toBe(403);
    expect(codeOf(answer)).toBe('FORBIDDEN');
  });

  it('are not participant tokens, and participant tokens are not host tokens', async () => {
    const host = await createTestHost(server, 'admin');
    const participant = (await asParticipant(config, 'p-not-a-host')).authorization.slice('Bearer '.length);
    for (const path of ['/api/host/me', '/api/campaigns', '/api/hosts']) {
      const answer = await call(server, participant, 'GET', path);
      expect(answer.status, path).toBe(401);
      expect(codeOf(answer), path).toBe('UNAUTHENTICATED');
    }
    const asHost = await call(server, host.token, 'GET', '/api/boards/b1/quota');
    expect(asHost.status).toBe(401);
    expect(codeOf(asHost)).toBe('UNAUTHENTICATED');
  });

  it('answer TOKEN_EXPIRED once expired', async () => {
    const host = await createTestHost(server);
    const past = createTokenSigner(
      config.auth,
      () => Date.now() - (config.auth.hostTokenTtlSeconds + 60) * 1_000,
    );
    const { token } = await past.host({ hostId: host.id, role: 'host' });
    expect(codeOf(await call(server, token, 'GET', '/api/host/me'))).toBe('TOKEN_EXPIRED');
  });
});
