import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { eventually, seedBoard } from '../../../test/support/stack.js';
import { LiveBoard, type LiveState } from '../../services/live.js';
import { castVote, voteIntent } from '../../services/votes.js';
import {
  config,
  liveUntil,
  mongo,
  scoreOf,
  server,
  shim,
  useServicesStack,
} from '../support/services-fixture.js';

// The live board's read after a gap, when its answer shows another gap: the board reads again.
useServicesStack();

/**
 * The server's acks held back on the way while `holding` (a socket.io ack frame starts `43`),
 * and delivered in order by `release`; and how many pushes reached the board.
 */
const acks = { holding: false, held: [] as (() => void)[] };
let pushesIn = 0;

function release(): void {
  acks.holding = false;
  for (const deliver of acks.held.splice(0)) deliver();
}

beforeAll(() => {
  const wx = shim.wx as unknown as { connectSocket: WechatMiniprogram.Wx['connectSocket'] };
  const connect = wx.connectSocket.bind(wx);
  wx.connectSocket = (options) => {
    const task = connect(options);
    const onMessage = task.onMessage.bind(task);
    task.onMessage = (listener) =>
      onMessage((message) => {
        const text = typeof message.data === 'string' ? message.data : '';
        if (acks.holding && /^43\d+\[/.test(text)) {
          acks.held.push(() => listener(message));
          return;
        }
        if (text.includes('rank:updated')) pushesIn++;
        listener(message);
      });
    return task;
  };
});

afterEach(release);

/** A live vote campaign whose participant may vote five times today. */
async function campaign(): Promise<string> {
  const candidateIds = ['alice', 'bob', 'carol'];
  const campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds, {
    quotas: { perDay: 10 },
  });
  await createLiveCampaign(mongo, campaignId, {
    title: `小程序 ${campaignId}`,
    kind: 'vote',
    members: candidateIds.map((candidateId) => ({ candidateId, name: candidateId })),
    rules: { votesPerUserPerDay: 10 },
    risk: { enabled: false },
  });
  return campaignId;
}

describe('the live board against the real server', () => {
  it('reads the ranking once more when the answer to its read after a gap shows another gap', async () => {
    const campaignId = await campaign();
    const states: LiveState[] = [];
    const live = new LiveBoard({ boardId: campaignId, onChange: (state) => states.push(state) });
    const queries = () => shim.framesOut.filter((f) => f.includes('board:query')).length;
    const vote = (candidateId: string) =>
      castVote(voteIntent({ boardId: campaignId, candidateId, action: 'vote' }));
    /** A vote whose push is lost on the way. */
    const withPushLost = async (candidateId: string) => {
      const dropped = shim.droppedFrames;
      shim.dropIncoming(1, /rank:updated/);
      await vote(candidateId);
      await eventually(
        async () => shim.droppedFrames === dropped + 1,
        20_000,
        `the push of ${candidateId} lost`,
      );
    };
    live.start();
    try {
      await liveUntil(states, (s) => s.connected && s.seq >= 0, 'the snapshot');
      await vote('alice');
      await liveUntil(states, (s) => s.totals.votes === 1, 'the first vote pushed');
      await withPushLost('bob');

      // The next push shows the gap; the read it starts is answered (3 votes), the answer held.
      acks.holding = true;
      const before = queries();
      await vote('carol');
      await eventually(async () => acks.held.length === 1, 20_000, 'the read after the gap answered');
      expect(queries()).toBe(before + 1);
      // Meanwhile another push is lost, and the board, waiting for its read, holds the next one.
      await withPushLost('alice');
      const pushes = pushesIn;
      await vote('bob');
      await eventually(async () => pushesIn === pushes + 1, 20_000, 'the fifth vote pushed');
      expect(live.state.totals.votes).toBe(1);

      // The answer comes: the push it held starts past it (a gap), so the board reads again.
      release();
      await liveUntil(
        states,
        (s) => s.totals.votes === 5 && scoreOf(s, 'alice') === 2 && scoreOf(s, 'bob') === 2,
        'resynced: all five votes',
      );
      expect(queries()).toBe(before + 2);
      expect(live.state.error).toBe('');
    } finally {
      live.stop();
    }
  }, 60_000);
});
