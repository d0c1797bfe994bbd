// The real HTTP API as the simulated clients use it, and the WeChat fake's control API. Every
// answer is checked against the protocol's schemas: what crosses the wire is not trusted.
import {
  campaignViewSchema,
  castVoteAcceptedSchema,
  hostBindingCodeViewSchema,
  hostBindingRedeemedSchema,
  hostLoginSchema,
  participantLoginSchema,
  shareLinkSchema,
} from '@rallyboard/core/protocol';
import { z } from 'zod';
import type { LoginAction, ShareAction, VoteAction } from './actions.js';

/**
 * An error answer's code. Looser than the catalogue's schema on purpose: a code added after
 * this was written (a new risk verdict) must still be read and reported, not lost.
 */
const errorCodeSchema = z.object({ error: z.object({ code: z.string() }) });

/** What became of a request: the parsed answer, or the refusal (status 0: no answer). */
export type Answer<T> = { ok: true; value: T } | { ok: false; status: number; code: string };

const TIMEOUT_MS = 30_000;

async function request<T>(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: unknown },
  schema: z.ZodType<T>,
): Promise<Answer<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { ok: false, status: 0, code: name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK_ERROR' };
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok) {
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, status: res.status, code: 'UNEXPECTED_ANSWER' };
  }
  const error = errorCodeSchema.safeParse(json);
  return {
    ok: false,
    status: res.status,
    code: error.success ? error.data.error.code : `HTTP_${res.status}`,
  };
}

/** Headers every simulated client sends: its address (via the trusted proxy) and its app's UA. */
function clientHeaders(a: { ip: string; device: { userAgent: string } }): Record<string, string> {
  return { 'x-forwarded-for': a.ip, 'user-agent': a.device.userAgent };
}

export class WeChatFakeControl {
  constructor(readonly baseUrl: string) {}

  async #control<T>(name: string, args: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    const answer = await request(`${this.baseUrl}/__fake/${name}`, { method: 'POST', body: args }, schema);
    if (!answer.ok) throw new Error(`WeChat fake ${name}: ${answer.status} ${answer.code}`);
    return answer.value;
  }

  setRiskRank(openid: string, rank: number): Promise<unknown> {
    return this.#control('setRiskRank', { openid, rank }, z.object({ ok: z.literal(true) }));
  }

  async issueCode(openid: string): Promise<string> {
    return (await this.#control('issueCode', { openid }, z.object({ code: z.string() }))).code;
  }
}

export class RallyboardClient {
  constructor(readonly baseUrl: string) {}

  login(a: LoginAction, code: string) {
    return request(
      `${this.baseUrl}/api/auth/wechat`,
      { method: 'POST', headers: clientHeaders(a), body: { code } },
      participantLoginSchema,
    );
  }

  share(a: ShareAction, token: string, campaignId: string) {
    return request(
      `${this.baseUrl}/api/campaigns/${campaignId}/share-tokens`,
      {
        method: 'POST',
        headers: { ...clientHeaders(a), authorization: `Bearer ${token}` },
        body: { candidateId: a.candidateId },
      },
      shareLinkSchema,
    );
  }

  vote(a: VoteAction, token: string, boardId: string, shareToken: string | undefined) {
    return request(
      `${this.baseUrl}/api/boards/${boardId}/votes`,
      {
        method: 'POST',
        headers: {
          ...clientHeaders(a),
          authorization: `Bearer ${token}`,
          'idempotency-key': a.idempotencyKey,
          'x-device-id': a.device.id,
          'x-device-fingerprint': a.device.fingerprint,
        },
        body: {
          candidateId: a.candidateId,
          action: 'vote',
          dwellMs: a.dwellMs,
          ...(shareToken === undefined ? {} : { shareToken }),
        },
      },
      castVoteAcceptedSchema,
    );
  }

  async hostLogin(username: string, password: string): Promise<string> {
    const answer = await request(
      `${this.baseUrl}/api/host/login`,
      { method: 'POST', body: { username, password } },
      hostLoginSchema,
    );
    if (!answer.ok) throw new Error(`host login: ${answer.status} ${answer.code}`);
    return answer.value.token;
  }

  /**
   * Binds a WeChat user to the host, as a host does before saving candidate names (WeChat checks
   * them as that user's): the console's code, redeemed by the user signed in with `loginCode`.
   */
  async bindWeChat(hostToken: string, loginCode: string): Promise<void> {
    const issued = await request(
      `${this.baseUrl}/api/host/wechat`,
      { method: 'POST', headers: { authorization: `Bearer ${hostToken}` } },
      hostBindingCodeViewSchema,
    );
    if (!issued.ok) throw new Error(`binding code: ${issued.status} ${issued.code}`);
    const login = await request(
      `${this.baseUrl}/api/auth/wechat`,
      { method: 'POST', body: { code: loginCode } },
      participantLoginSchema,
    );
    if (!login.ok) throw new Error(`host's WeChat login: ${login.status} ${login.code}`);
    const bound = await request(
      `${this.baseUrl}/api/me/host-binding`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${login.value.token}` },
        body: { code: issued.value.code },
      },
      hostBindingRedeemedSchema,
    );
    if (!bound.ok) throw new Error(`binding: ${bound.status} ${bound.code}`);
  }

  /** Creates a vote campaign with the candidates and a daily quota, and makes it live. */
  async liveCampaign(
    hostToken: string,
    c: { title: string; candidates: readonly string[]; votesPerUserPerDay: number },
  ): Promise<string> {
    const headers = { authorization: `Bearer ${hostToken}` };
    const now = Date.now();
    const created = await request(
      `${this.baseUrl}/api/campaigns`,
      {
        method: 'POST',
        headers,
        body: {
          title: c.title,
          kind: 'vote',
          members: c.candidates.map((candidateId, i) => ({ candidateId, name: `候选人 ${i + 1}` })),
          schedule: {
            startAt: new Date(now + 3_600_000).toISOString(),
            endAt: new Date(now + 2 * 86_400_000).toISOString(),
            timezone: 'Asia/Shanghai',
          },
          rules: { votesPerUserPerDay: c.votesPerUserPerDay },
        },
      },
      campaignViewSchema,
    );
    if (!created.ok) throw new Error(`create campaign: ${created.status} ${created.code}`);
    const id = created.value.id;
    for (const status of ['scheduled', 'live'] as const) {
      const moved = await request(
        `${this.baseUrl}/api/campaigns/${id}/status`,
        { method: 'POST', headers, body: { status } },
        campaignViewSchema,
      );
      if (!moved.ok) throw new Error(`campaign ${id} → ${status}: ${moved.status} ${moved.code}`);
    }
    return id;
  }
}
