import { auditModel, hostModel } from '@rallyboard/core/db';
import type { ErrorBody, HostPage, HostView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { call, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig();
let server: TestServer;
let admin: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  admin = await createTestHost(server, 'admin');
});
afterAll(async () => {
  await server.close();
});

const create = (token: string, body: unknown) => call<HostView>(server, token, 'POST', '/api/hosts', body);

describe('POST /api/hosts', () => {
  it('creates a host an admin names, who can then sign in; the password is kept only as a hash', async () => {
    const username = randomId('New');
    const answer = await create(admin.token, { username, password: 'a long enough password' });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.stringMatching(/^h[A-Za-z0-9_-]{12}$/),
      username: username.toLowerCase(),
      role: 'host',
      createdAt: expect.any(String),
      disabled: false,
    });
    const stored = await hostModel(server.deps.mongo).findById(answer.body.id).lean();
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('a long enough password', stored?.passwordHash ?? '')).toBe(true);
    const login = await call(server, undefined, 'POST', '/api/host/login', {
      username,
      password: 'a long enough password',
    });
    expect(login.status).toBe(200);
  });

  it('records the creation in the audit log, without the password', async () => {
    const answer = await create(admin.token, {
      username: randomId('audited'),
      password: 'another password',
      role: 'admin',
    });
    const entry = await auditModel(server.deps.mongo).findOne({ 'target.id': answer.body.id }).lean();
    expect(entry).toMatchObject({
      action: 'host.create',
      actor: { hostId: admin.id, username: admin.username, role: 'admin' },
      target: { type: 'host', id: answer.body.id },
      before: null,
      after: { id: answer.body.id, username: answer.body.username, role: 'admin' },
    });
    expect(JSON.stringify(entry)).not.toContain('another password');
    expect(JSON.stringify(entry)).not.toContain('scrypt');
  });

  it('refuses a username that is taken, in any case, with USERNAME_TAKEN', async () => {
    const username = randomId('dup');
    expect((await create(admin.token, { username, password: 'first password' })).status).toBe(201);
    const again = await create(admin.token, {
      username: username.toUpperCase(),
      password: 'second password',
    });
    expect(again.status).toBe(409);
    expect(codeOf(again)).toBe('USERNAME_TAKEN');
  });

  it('refuses a short password, a bad username and an unknown role, naming each field', async () => {
    const answer = await create(admin.token, { username: 'a b', password: 'short', role: 'owner' });
    expect(answer.status).toBe(400);
    const paths = (answer.body as unknown as ErrorBody).error.details as { path: string }[];
    expect(paths.map((p) => p.path).sort()).toEqual(['body.password', 'body.role', 'body.username']);
  });

  it('is for admins only: a host gets FORBIDDEN', async () => {
    const host = await createTestHost(server);
    const answer = await create(host.token, { username: randomId('x'), password: 'a long enough password' });
    expect(answer.status).toBe(403);
    expect(codeOf(answer)).toBe('FORBIDDEN');
  });
});

describe('GET /api/hosts', () => {
  it('pages through the accounts newest first, without password hashes', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push(
        (await create(admin.token, { username: randomId('page'), password: 'paged password' })).body.id,
      );
    }
    const seen: HostView[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: HostPage } = await call<HostPage>(
        server,
        admin.token,
        'GET',
        `/api/hosts?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.hosts.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.hosts);
      cursor = page.body.nextCursor;
    } while (cursor !== null && !made.every((id) => seen.some((h) => h.id === id)));
    const order = made.map((id) => seen.findIndex((h) => h.id === id));
    expect(order.every((i) => i >= 0)).toBe(true);
    // Newest first: the last made comes first.
    expect([...order].sort((a, b) => a - b)).toEqual([...order].reverse());
    expect(JSON.stringify(seen)).not.toContain('passwordHash');
    expect(new Set(seen.map((h) => h.id)).size).toBe(seen.length);
  });

  it('refuses a cursor it did not give', async () => {
    const answer = await call(server, admin.token, 'GET', '/api/hosts?cursor=not-a-cursor');
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('INVALID_INPUT');
  });
});

describe('PATCH /api/hosts/:hostId', () => {
  it('disables an account: its token stops working at once, and enabling it restores it', async () => {
    const host = await createTestHost(server);
    const off = await call<HostView>(server, admin.token, 'PATCH', `/api/hosts/${host.id}`, {
      disabled: true,
    });
    expect(off.status).toBe(200);
    expect(off.body.disabled).toBe(true);
    expect(codeOf(await call(server, host.token, 'GET', '/api/campaigns'))).toBe('UNAUTHENTICATED');
    await call(server, admin.token, 'PATCH', `/api/hosts/${host.id}`, { disabled: false });
    expect((await call(server, host.token, 'GET', '/api/campaigns')).status).toBe(200);
    const entries = await auditModel(server.deps.mongo)
      .find({ 'target.id': host.id })
      .sort({ at: 1, _id: 1 })
      .lean();
    expect(entries.map((e) => [e.action, e.before, e.after])).toEqual([
      ['host.update', { disabled: false }, { disabled: true }],
      ['host.update', { disabled: true }, { disabled: false }],
    ]);
  });

  it('will not let an admin disable itself', async () => {
    const answer = await call(server, admin.token, 'PATCH', `/api/hosts/${admin.id}`, { disabled: true });
    expect(answer.status).toBe(403);
    expect((await call(server, admin.token, 'GET', '/api/host/me')).status).toBe(200);
  });

  it('answers HOST_NOT_FOUND for an account that does not exist', async () => {
    const answer = await call(server, admin.token, 'PATCH', '/api/hosts/h000000000000', { disabled: true });
    expect(answer.status).toBe(404);
    expect(codeOf(answer)).toBe('HOST_NOT_FOUND');
  });
});
