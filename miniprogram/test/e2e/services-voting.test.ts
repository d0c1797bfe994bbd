import { readFileSync } from 'node:fs';
import { ledgerModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { createShareLink, listCampaigns, readQuota, shareCodeUrl } from '../../services/api.js';
import { login } from '../../services/auth.js';
import { LiveBoard, type LiveState } from '../../services/live.js';
import { download, drawPoster, type PosterCanvas } from '../../services/poster.js';
import { ApiError } from '../../services/request.js';
import { castVote, voteIntent } from '../../services/votes.js';
import {
  liveCampaign,
  liveUntil,
  mongo,
  scoreOf,
  shim,
  useServicesStack,
} from '../support/services-fixture.js';

// A participant's way through a campaign: signing in, finding it, voting and seeing the rank
// live, a vote retried after a lost answer or a 503 counted once, the quota; then a poster.
useServicesStack();

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

      // The third vote is answered 503 though the server queued it (its wait for Redis timed out):
      // the retry reuses the key, so it counts once, and uses up today's quota; the fourth is
      // refused with the Chinese message.
      shim.answerUnavailable(1, /\/votes$/);
      const carol = voteIntent({ boardId: campaignId, candidateId: 'carol', action: 'vote' });
      const third = await castVote(carol);
      const carolSends = shim.requests.filter(
        (r) => r.method === 'POST' && r.url.endsWith(`/api/boards/${campaignId}/votes`),
      );
      expect(carolSends.slice(-2).map((r) => r.header['idempotency-key'])).toEqual([
        carol.idempotencyKey,
        carol.idempotencyKey,
      ]);
      await eventually(async () => (await readQuota(campaignId)).remainingToday === 0, 20_000, 'quota spent');
      await eventually(
        async () => (await ledger.countDocuments({ boardId: campaignId })) === 3,
        20_000,
        'three votes decided',
      );
      const carols = await ledger.find({ boardId: campaignId, candidateId: 'carol' }).lean();
      expect(carols.map((r) => [r._id, r.verdict])).toEqual([[third.voteId, 'counted']]);
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
});
