import { ledgerModel } from '@rallyboard/core/db';
import { changeBoardStatus } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { LiveBoard, type LiveState } from '../../services/live.js';
import { castVote, voteIntent } from '../../services/votes.js';
import {
  liveCampaign,
  liveUntil,
  mongo,
  scoreOf,
  server,
  shim,
  useServicesStack,
} from '../support/services-fixture.js';

// The live board keeping its ranking true when the connection does not: back from the
// background, and a pushed update lost on the way.
useServicesStack();

/**
 * A live board one vote in, whose next push is lost on the way: the push after that shows a gap.
 * The board is started; the caller stops it.
 */
async function liveWithALostPush() {
  const campaignId = await liveCampaign();
  const states: LiveState[] = [];
  const live = new LiveBoard({ boardId: campaignId, onChange: (state) => states.push(state) });
  const queries = () => shim.framesOut.filter((f) => f.includes('board:query')).length;
  live.start();
  await liveUntil(states, (s) => s.connected && s.seq >= 0, 'the snapshot');
  await castVote(voteIntent({ boardId: campaignId, candidateId: 'alice', action: 'vote' }));
  await liveUntil(states, (s) => s.totals.votes === 1, 'the first vote pushed');
  const dropped = shim.droppedFrames;
  shim.dropIncoming(1, /rank:updated/);
  await castVote(voteIntent({ boardId: campaignId, candidateId: 'bob', action: 'vote' }));
  await eventually(async () => shim.droppedFrames === dropped + 1, 20_000, 'the second push lost');
  return { campaignId, states, live, queries };
}

describe('the mini-program services against the real server', () => {
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

  it('reads the ranking again when the read after a gap is refused, then times out', async () => {
    // A push lost, so the next one shows a gap; the read it starts is refused (the socket rate
    // limit: try again in a second), and the answer to the read after that never comes.
    const { campaignId, states, live, queries } = await liveWithALostPush();
    try {
      shim.refuseEvents(1, 'board:query', {
        code: 'RATE_LIMITED',
        message: 'Too many requests.',
        details: { retryAfterSeconds: 1 },
      });
      const before = queries();
      let seen = states.length;
      await castVote(voteIntent({ boardId: campaignId, candidateId: 'bob', action: 'vote' }));
      await liveUntil(states, (s) => s.error === '排名暂时没能更新，正在重试', 'the refusal shown', seen);
      expect(live.state.totals.votes).toBe(1);
      shim.dropIncoming(1, /^43\d+\[/);

      // Tried again after the second it named: that answer is lost, and after the ack's timeout
      // (10 s) it is tried once more, and the ranking is the server's.
      seen = states.length;
      await liveUntil(states, (s) => s.error === '连接超时，正在重试', 'the timeout shown', seen);
      expect(queries()).toBe(before + 2);
      await liveUntil(
        states,
        (s) => s.error === '' && s.totals.votes === 3 && scoreOf(s, 'bob') === 2,
        'resynced: all three votes',
        seen,
      );
      expect(queries()).toBe(before + 3);
      expect(live.state.entries.map((e) => [e.candidateId, e.score])).toEqual([
        ['bob', 2],
        ['alice', 1],
        ['carol', 0],
      ]);
    } finally {
      live.stop();
    }
  }, 60_000);

  it('shows no error when a reset brought the ranking back while its read after a gap was lost', async () => {
    // A push lost, so the next one shows a gap; the answer to the read it starts never comes.
    const { campaignId, states, live, queries } = await liveWithALostPush();
    try {
      shim.dropIncoming(1, /^43\d+\[/);
      const before = queries();
      await castVote(voteIntent({ boardId: campaignId, candidateId: 'bob', action: 'vote' }));
      await eventually(async () => queries() === before + 1, 20_000, 'the read after the gap');
      // Meanwhile the host freezes the board: its reset carries the whole ranking.
      await changeBoardStatus(server.deps.redis, server.deps.keys, campaignId, 'frozen');
      await liveUntil(states, (s) => s.totals.votes === 3 && s.error === '', 'the reset');
      // The lost read times out (10 s): nothing needs it, and nothing is retrying.
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      expect(live.state.error).toBe('');
      expect(queries()).toBe(before + 1);
    } finally {
      live.stop();
    }
  }, 60_000);

  it('subscribes again when the subscribe is refused for now', async () => {
    const campaignId = await liveCampaign();
    await castVote(voteIntent({ boardId: campaignId, candidateId: 'carol', action: 'vote' }));
    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId })) === 1,
      20_000,
      'the vote decided',
    );
    shim.refuseEvents(1, 'board:subscribe', {
      code: 'SERVICE_UNAVAILABLE',
      message: 'The service is temporarily unavailable. Try again shortly.',
    });
    const states: LiveState[] = [];
    const live = new LiveBoard({ boardId: campaignId, onChange: (state) => states.push(state) });
    live.start();
    try {
      await liveUntil(states, (s) => s.error === '排名暂时没能更新，正在重试', 'the refusal shown');
      await liveUntil(
        states,
        (s) => s.error === '' && s.connected && scoreOf(s, 'carol') === 1,
        'subscribed again, with carol at 1',
      );
      expect(shim.framesOut.filter((f) => f.includes('board:subscribe')).length).toBeGreaterThanOrEqual(2);
    } finally {
      live.stop();
    }
  });
});
