import { createHost, hostModel, participantModel, recordLogin } from '@rallyboard/core/db';
import type { CreateCampaignBody, ErrorBody, HostRole } from '@rallyboard/core/protocol';
import { randomId } from '../../../test/support/config.js';
import { participantToken } from '../../../test/support/participants.js';
import type { TestServer } from '../../../test/support/stack.js';
import type { WeChatFake } from '../../../test/support/wechat.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { createTokenSigner } from '../../src/auth/tokens.js';

/** The password of every test host: hashed once per file, since scrypt is slow on purpose. */
export const TEST_PASSWORD = 'correct horse battery staple';
let testHash: Promise<string> | undefined;

export interface TestHost {
  id: string;
  username: string;
  role: HostRole;
  /** A signed host token, as a login would give. */
  token: string;
}

/** A real host account in the server's database, with a token signed by the server's secret. */
export async function createTestHost(server: TestServer, role: HostRole = 'host'): Promise<TestHost> {
  testHash ??= hashPassword(TEST_PASSWORD);
  const host = await createHost(hostModel(server.deps.mongo), {
    username: randomId(role === 'admin' ? 'admin' : 'host'),
    passwordHash: await testHash,
    role,
  });
  const { token } = await createTokenSigner(server.deps.config.auth).host({ hostId: host._id, role });
  return { id: host._id, username: host.username, role, token };
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the API as `token`'s holder (none for a public call): a JSON body, the JSON answer. */
export async function call<T = unknown>(
  server: TestServer,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

/** The catalogue code of an error answer. */
export const codeOf = (answer: Answer): string | undefined =>
  (answer.body as ErrorBody | undefined)?.error?.code;

/** A valid campaign body: two candidates, starting in an hour, for a week. */
export function campaignBody(overrides: Partial<CreateCampaignBody> = {}): Record<string, unknown> {
  const startAt = new Date(Date.now() + 3_600_000);
  return {
    title: '年度人气之星',
    kind: 'vote',
    members: [
      { candidateId: 'alice', name: 'Alice' },
      { candidateId: 'bob', name: 'Bob' },
    ],
    schedule: {
      startAt: startAt.toISOString(),
      endAt: new Date(startAt.getTime() + 7 * 86_400_000).toISOString(),
      timezone: 'Asia/Shanghai',
    },
    rules: { votesPerUserPerDay: 5 },
    ...overrides,
  };
}

/**
 * Binds a WeChat user to the host as a host does: the console asks for a code, and the user,
 * signed in to the mini-program (which counts as a visit, as WeChat's text check asks), redeems
 * it. Answers the user's openid.
 */
export async function bindWeChat(
  server: TestServer,
  host: TestHost,
  fake: WeChatFake,
  openid = randomId('o-host'),
): Promise<string> {
  const participant = await recordLogin(participantModel(server.deps.mongo), {
    appId: server.deps.config.wechat.appId ?? '',
    openid,
  });
  fake.state.visit(openid);
  const issued = await call<{ code: string }>(server, host.token, 'POST', '/api/host/wechat');
  if (issued.status !== 201) throw new Error(`binding code: ${JSON.stringify(issued.body)}`);
  const token = await participantToken(server.deps.config, participant._id);
  const bound = await call(server, token, 'POST', '/api/me/host-binding', { code: issued.body.code });
  if (bound.status !== 200) throw new Error(`binding: ${JSON.stringify(bound.body)}`);
  return openid;
}
