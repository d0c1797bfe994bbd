import { auditModel, hostModel, participantModel, recordLogin } from '@rallyboard/core/db';
import type { HostBindingCodeView, HostWeChatView } from '@rallyboard/core/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { participantToken } from '../../../test/support/participants.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';
import { call, codeOf, createTestHost, TEST_PASSWORD, type TestHost } from '../support/hosts.js';

/** A host binds the WeChat it uses to its console account with a code the mini-program takes. */
const env = useWeChatServer();
let host: TestHost;
let adminHost: TestHost | undefined;
const admin = async () => {
  adminHost ??= await createTestHost(env.server, 'admin');
  return adminHost;
};

beforeAll(async () => {
  host = await createTestHost(env.server);
});

async function participant() {
  const doc = await recordLogin(participantModel(env.mongo), {
    appId: env.config.wechat.appId ?? '',
    openid: randomId('o'),
  });
  return { id: doc._id, openid: doc.openid, token: await participantToken(env.config, doc._id) };
}
const issue = async (who: TestHost = host) =>
  (await call<HostBindingCodeView>(env.server, who.token, 'POST', '/api/host/wechat')).body;
const redeem = (token: string, code: string) =>
  call(env.server, token, 'POST', '/api/me/host-binding', { code });

describe('binding a WeChat to a host account', () => {
  it('binds the participant who redeems the code, once, and the console sees it bound', async () => {
    expect((await call<HostWeChatView>(env.server, host.token, 'GET', '/api/host/wechat')).body).toEqual({
      bound: false,
    });
    const issued = await issue();
    expect(issued.code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);
    expect(issued.page).toBe('pages/host-bind/index');
    expect(new Date(issued.expiresAt).getTime() - Date.now()).toBeGreaterThan(590_000);

    const user = await participant();
    // Typed in lower case, with spaces: the code is the same.
    const bound = await redeem(user.token, ` ${issued.code.toLowerCase()} `);
    expect(bound.status).toBe(200);
    expect(bound.body).toEqual({ username: host.username });
    const view = (await call<HostWeChatView>(env.server, host.token, 'GET', '/api/host/wechat')).body;
    expect(view.bound).toBe(true);
    const doc = await hostModel(env.mongo).findById(host.id).lean();
    expect(doc?.wechat).toMatchObject({ openid: user.openid, participantId: user.id });
    const audit = await auditModel(env.mongo)
      .findOne({ 'target.id': host.id, action: 'host.wechat-bind' })
      .lean();
    expect(audit?.after).toEqual({ participantId: user.id });

    const again = await redeem((await participant()).token, issued.code);
    expect(again.status).toBe(404);
    expect(codeOf(again)).toBe('BINDING_CODE_INVALID');
    expect((await hostModel(env.mongo).findById(host.id).lean())?.wechat?.openid).toBe(user.openid);
  });

  it('refuses a wrong or malformed code, and a code never binds for a participant who does not exist', async () => {
    const user = await participant();
    expect(codeOf(await redeem(user.token, 'ABCDEFGH'))).toBe('BINDING_CODE_INVALID');
    const malformed = await redeem(user.token, 'O0I1-nope');
    expect(malformed.status).toBe(400);
    expect(codeOf(malformed)).toBe('INVALID_INPUT');

    const issued = await issue();
    const ghost = await participantToken(env.config, 'p-nobody-at-all');
    expect(codeOf(await redeem(ghost, issued.code))).toBe('UNAUTHENTICATED');
    // The code was not spent on it.
    expect((await redeem(user.token, issued.code)).status).toBe(200);
  });

  it('a later binding replaces the earlier one, and unbinding is audited', async () => {
    const other = await createTestHost(env.server);
    const [first, second] = [await participant(), await participant()];
    await redeem(first.token, (await issue(other)).code);
    await redeem(second.token, (await issue(other)).code);
    expect((await hostModel(env.mongo).findById(other.id).lean())?.wechat?.participantId).toBe(second.id);
    expect((await call(env.server, other.token, 'DELETE', '/api/host/wechat')).status).toBe(204);
    expect((await hostModel(env.mongo).findById(other.id).lean())?.wechat).toBeUndefined();
    const audit = await auditModel(env.mongo)
      .findOne({ 'target.id': other.id, action: 'host.wechat-unbind' })
      .lean();
    expect(audit?.before).toEqual({ participantId: second.id });
  });

  it("binds only with the host's newest code: asking again, or unbinding, drops the one before", async () => {
    const other = await createTestHost(env.server);
    const user = await participant();
    const first = await issue(other);
    const second = await issue(other);
    expect(codeOf(await redeem(user.token, first.code))).toBe('BINDING_CODE_INVALID');
    const third = await issue(other);
    expect((await call(env.server, other.token, 'DELETE', '/api/host/wechat')).status).toBe(204);
    expect(codeOf(await redeem(user.token, second.code))).toBe('BINDING_CODE_INVALID');
    expect(codeOf(await redeem(user.token, third.code))).toBe('BINDING_CODE_INVALID');
    expect((await redeem(user.token, (await issue(other)).code)).status).toBe(200);
  });

  it('stops binding with a code asked for before the host signed out, changed the password or had its tokens revoked', async () => {
    const revocations: [string, (who: TestHost) => Promise<number>][] = [
      ['sign-out', async (who) => (await call(env.server, who.token, 'POST', '/api/host/logout')).status],
      [
        'password change',
        async (who) =>
          (
            await call(env.server, who.token, 'POST', '/api/host/password', {
              currentPassword: TEST_PASSWORD,
              newPassword: 'another-long-passphrase-42',
            })
          ).status,
      ],
      [
        "an admin's revocation",
        async (who) =>
          (
            await call(env.server, (await admin()).token, 'PATCH', `/api/hosts/${who.id}`, {
              revokeTokens: true,
            })
          ).status,
      ],
    ];
    for (const [how, revoke] of revocations) {
      const victim = await createTestHost(env.server);
      const { code } = await issue(victim);
      expect(await revoke(victim), how).toBeLessThan(300);
      const answer = await redeem((await participant()).token, code);
      expect(codeOf(answer), how).toBe('BINDING_CODE_INVALID');
      expect((await hostModel(env.mongo).findById(victim.id).lean())?.wechat, how).toBeUndefined();
    }
  });

  it('is a host route and a participant route: neither token does the other', async () => {
    const user = await participant();
    expect((await call(env.server, user.token, 'POST', '/api/host/wechat')).status).toBe(401);
    expect(
      (await call(env.server, host.token, 'POST', '/api/me/host-binding', { code: 'ABCDEFGH' })).status,
    ).toBe(401);
  });
});
