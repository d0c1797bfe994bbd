import { readFileSync } from 'node:fs';
import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeChatFake } from '../../../scripts/wechat-fake/server.js';
import { configFor, startFake } from '../../../server/test/wechat/support.js';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { configure } from '../../config.js';
import { createShareLink, listCampaigns, readQuota, shareCodeUrl } from '../../services/api.js';
import { currentSession, login, logout } from '../../services/auth.js';
import { LiveBoard, type LiveState } from '../../services/live.js';
import { download, drawPoster, type PosterCanvas } from '../../services/poster.js';
import { ApiError } from '../../services/request.js';
import { castVote, voteIntent } from '../../services/votes.js';
import { installWx, type WxShim } from '../support/wx-node.js';

// The mini-program's own service modules, unchanged, under a Node `wx`, against the real
// server and a real vote worker; WeChat is the fake WeChat server.
let fake: WeChatFake;
let config: ReturnType<typeof configFor>;
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let shim: WxShim;
const user = randomId('mp');
let logins = 0;

beforeAll(async () => {
  fake = await startFake();
  config = configFor(fake);
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
  shim = installWx({ loginCode: () => `ok-${user}.${++logins}` });
  configure({ apiBase: server.url });
});
afterAll(async () => {
  await worker.close();
  await server.close();
  await mongo.close();
  await fake.close();
});

/** A live public vote campaign with its board: at most 3 votes a day per participant. */
async function liveCampaign(): Promise<string> {
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
async function liveUntil(states: LiveState[], probe: (state: LiveState) => boolean, what: string, from = 0) {
  await eventually(async () => states.slice(from).some(probe), 20_000, what);
}

const scoreOf = (state: LiveState, candidateId: string) =>
  state.entries.find((e) => e.candidateId === candidateId)?.score ?? 0;

describe('the mini-program services against the real server', () => {
  it('log in, list campaigns, vote, see the rank live, retry a vote once, and say the quota in Chinese', async () => {
    const campaignId = await liveCampaign();

    // Log in: wx.login's code for a token pair, kept in storage.
    const session = await login();
    expect(session.participantId).toMatch(/^p[A-Za-z0-9_-]{22}$/);
    expect(shim.storage.get('rallyboard.session')).toMatchObject({ token: session.token });

    // List campaigns: ours is among the public ones, newest first.
    const page = await listCampaigns(undefined, 50);
    expect(page.campaigns.find((c) => c.id === campaignId)).toMatchObject({
      quotas: { perDay: 3, perCandidatePerDay: null, total: null },
    });

    // Watch the ranking live, through socket.io over the wx.connectSocket transport.
    const states: LiveState[] = [];
    const live = new LiveBoard({ boardId: campaignId, onChange: (state) => states.push(state) });
    live.start();
    try {
      await liveUntil(states, (s) => s.connected && s.seq >= 0, 'the snapshot');
      expect(shim.sockets).toHaveLength(1);

      // Vote, and receive the rank update through the socket.
      const first = await castVote(
        voteIntent({ boardId: campaignId, candidateId: 'alice', action: 'vote', dwellMs: 1_500 }),
      );
      expect(first.status).toBe('queued');
      await liveUntil(states, (s) => scoreOf(s, 'alice') === 1, 'alice at 1 on the live board');
      expect(states.at(-1)?.entries[0]).toEqual({ rank: 1, candidateId: 'alice', score: 1 });

      // The answer to a vote is lost on the way back; the retry reuses the key and counts once.
      shim.loseAnswers(1, /\/votes$/);
      const intent = voteIntent({ boardId: campaignId, candidateId: 'bob', action: 'vote', dwellMs: 900 });
      const retried = await castVote(intent);
      const sends = shim.requests.filter(
        (r) => r.method === 'POST' && r.url.endsWith(`/api/boards/${campaignId}/votes`),
      );
      expect(sends.slice(-2).map((r) => r.header['idempotency-key'])).toEqual([
        intent.idempotencyKey,
        intent.idempotencyKey,
      ]);
      await liveUntil(
        states,
        (s) => scoreOf(s, 'bob') === 1 && s.totals.votes === 2,
        'bob at 1 on the live board',
      );
      const ledger = ledgerModel(mongo);
      await eventually(
        async () => (await ledger.countDocuments({ boardId: campaignId })) === 2,
        20_000,
        'two votes decided',
      );
      const bobs = await ledger.find({ boardId: campaignId, candidateId: 'bob' }).lean();
      expect(bobs.map((r) => [r._id, r.verdict])).toEqual([[retried.voteId, 'counted']]);
      // The risk context the mini-program sent came along.
      expect(bobs[0]?.context).toMatchObject({
        deviceId: expect.stringMatching(/^d-/),
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        dwellMs: 900,
      });

      // The third vote uses up today's quota; the fourth is refused with the Chinese message.
      await castVote(voteIntent({ boardId: campaignId, candidateId: 'carol', action: 'vote' }));
      await eventually(async () => (await readQuota(campaignId)).remainingToday === 0, 20_000, 'quota spent');
      const refused = await castVote(
        voteIntent({ boardId: campaignId, candidateId: 'carol', action: 'vote' }),
      ).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ApiError);
      expect(refused).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 429 });
      expect((refused as ApiError).message).toBe('今天的票已经投完了，00:00 后恢复');
      expect(states.at(-1)?.totals.votes).toBe(3);
    } finally {
      live.stop();
    }
  });

  it('comes back from the background: reconnects and resyncs the ranking it missed', async () => {
    const campaignId = await liveCampaign();
    const states: LiveState[] = [];
    const live = new LiveBoard({ boardId: campaignId, onChange: (state) => states.push(state) });
    live.start();
    try {
      await liveUntil(states, (s) => s.connected && s.seq >= 0, 'the snapshot');
      const opened = shim.sockets.length;
      let seen = states.length;
      shim.hideApp();
      await liveUntil(states, (s) => !s.connected, 'disconnected in the background', seen);
      // A vote while the app is in the background: no socket is there to push it to.
      await castVote(voteIntent({ boardId: campaignId, candidateId: 'carol', action: 'vote' }));
      await eventually(
        async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId })) === 1,
        20_000,
        'the vote decided',
      );
      expect(live.connected).toBe(false);
      shim.showApp();
      await liveUntil(states, (s) => s.connected && scoreOf(s, 'carol') === 1, 'reconnected with carol at 1');
      // A new wx socket, not a leftover: the old one was closed with the app.
      expect(shim.sockets).toHaveLength(opened + 1);

      // Back from the background while the network is not: socket.io's backoff tries again
      // until a socket opens, then the board subscribes and resyncs as before.
      seen = states.length;
      shim.hideApp();
      await liveUntil(states, (s) => !s.connected, 'disconnected again', seen);
      await castVote(voteIntent({ boardId: campaignId, candidateId: 'bob', action: 'vote' }));
      const attempts = shim.connectAttempts;
      shim.failSockets(2);
      shim.showApp();
      await liveUntil(
        states,
        (s) => s.connected && scoreOf(s, 'bob') === 1,
        'reconnected after two failures',
      );
      expect(shim.connectAttempts).toBe(attempts + 3);
      expect(shim.sockets).toHaveLength(opened + 2);
    } finally {
      live.stop();
    }
  });

  it('resyncs by sequence number when a pushed update is lost on the way', async () => {
    const campaignId = await liveCampaign();
    const states: LiveState[] = [];
    const live = new LiveBoard({ boardId: campaignId, onChange: (state) => states.push(state) });
    const decided = (n: number) =>
      eventually(
        async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId })) === n,
        20_000,
        `${n} votes decided`,
      );
    live.start();
    try {
      await liveUntil(states, (s) => s.connected && s.seq >= 0, 'the snapshot');
      await castVote(voteIntent({ boardId: campaignId, candidateId: 'alice', action: 'vote' }));
      await liveUntil(states, (s) => s.totals.votes === 1, 'the first vote pushed');

      // The next push never arrives: the following one starts past what the board holds.
      shim.dropIncoming(1, /rank:updated/);
      await castVote(voteIntent({ boardId: campaignId, candidateId: 'bob', action: 'vote' }));
      await decided(2);
      await eventually(async () => shim.droppedFrames === 1, 10_000, 'the second push lost');
      expect(live.state.totals.votes).toBe(1);
      const queriesBefore = shim.framesOut.filter((f) => f.includes('board:query')).length;

      await castVote(voteIntent({ boardId: campaignId, candidateId: 'bob', action: 'vote' }));
      await liveUntil(
        states,
        (s) => s.totals.votes === 3 && scoreOf(s, 'bob') === 2,
        'resynced: all three votes',
      );
      expect(shim.framesOut.filter((f) => f.includes('board:query')).length).toBe(queriesBefore + 1);
      expect(live.state.entries.map((e) => [e.candidateId, e.score])).toEqual([
        ['bob', 2],
        ['alice', 1],
        ['carol', 0],
      ]);
    } finally {
      live.stop();
    }
  });

  it('signs in as a named fake user when pointed at the fake WeChat (DevTools against a local server)', async () => {
    const before = await currentSession();
    await logout();
    configure({ devLoginAs: `${user}-devtools` });
    try {
      const session = await login();
      expect(session.participantId).not.toBe(before.participantId);
      expect(shim.requests.at(-1)?.body).toEqual({
        code: expect.stringMatching(new RegExp(`^ok-${user}-devtools\\.\\d+$`)),
      });
      // The same fake user is the same participant the next time.
      expect((await login()).participantId).toBe(session.participantId);
    } finally {
      configure({ devLoginAs: '' });
      await logout();
    }
  });

  it('draws a poster with the mini-program code the server gets from WeChat for my share token', async () => {
    const campaignId = await liveCampaign();
    const link = await createShareLink(campaignId, 'bob');
    const codePath = await download(shareCodeUrl(link.shareToken));
    expect(readFileSync(codePath).subarray(1, 4).toString()).toBe('PNG');

    // WeChat's canvas (type="2d") as a recording: what the poster draws, in order.
    const drawn: string[] = [];
    const canvas: PosterCanvas = {
      width: 0,
      height: 0,
      createImage() {
        const image = {
          src: '',
          onload: null as (() => void) | null,
          onerror: null as ((e: unknown) => void) | null,
        };
        return new Proxy(image, {
          set(target, key, value) {
            Reflect.set(target, key, value);
            if (key === 'src') setTimeout(() => target.onload?.(), 0);
            return true;
          },
        });
      },
      getContext: () => ({
        fillStyle: '',
        font: '',
        textAlign: 'left',
        scale: () => undefined,
        fillRect: () => undefined,
        fillText: (text: string) => void drawn.push(`text ${text}`),
        drawImage: (image: unknown) => void drawn.push(`image ${(image as { src: string }).src}`),
      }),
    };
    await drawPoster(canvas, { campaignTitle: '校园之星', candidateName: '鲍勃', codePath }, 2);
    expect(drawn).toEqual([
      'text 鲍勃',
      'text 校园之星',
      `image ${codePath}`,
      'text 长按识别小程序码，为 TA 助力',
    ]);
    expect([canvas.width, canvas.height]).toEqual([600, 960]);
  });

  it('refreshes an expired token, and signs in again when the token is refused', async () => {
    const before = await currentSession();
    // The token's time is up: the next call refreshes first, with the one-use refresh token.
    shim.storage.set('rallyboard.session', {
      ...before,
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    });
    const campaignId = await liveCampaign();
    await readQuota(campaignId);
    const refreshes = shim.requests.filter((r) => r.url.endsWith('/api/auth/refresh'));
    expect(refreshes.at(-1)?.body).toEqual({ refreshToken: before.refreshToken });
    const after = await currentSession();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.participantId).toBe(before.participantId);

    // Calls at once with an expired token share one refresh: a refresh token works only once.
    shim.storage.set('rallyboard.session', {
      ...after,
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    });
    const refreshesBefore = shim.requests.filter((r) => r.url.endsWith('/api/auth/refresh')).length;
    const answers = await Promise.all([readQuota(campaignId), readQuota(campaignId), readQuota(campaignId)]);
    expect(answers.map((a) => a.limits.perDay)).toEqual([3, 3, 3]);
    expect(shim.requests.filter((r) => r.url.endsWith('/api/auth/refresh'))).toHaveLength(
      refreshesBefore + 1,
    );

    // A token the server does not accept: one new sign-in, one retry, and the call succeeds.
    shim.storage.set('rallyboard.session', { ...(await currentSession()), token: 'not-a-token' });
    const loginsBefore = shim.requests.filter((r) => r.url.endsWith('/api/auth/wechat')).length;
    expect((await readQuota(campaignId)).limits.perDay).toBe(3);
    expect(shim.requests.filter((r) => r.url.endsWith('/api/auth/wechat'))).toHaveLength(loginsBefore + 1);
    expect((await currentSession()).participantId).toBe(before.participantId);
  });
});
