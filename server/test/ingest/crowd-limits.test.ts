import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import { connectSocket, type TestSocket } from '../../../test/support/socket.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

// Every per-address limit of the participant's path at its default (the test env turns them off
// for the other tests); every request comes from 127.0.0.1, the venue's one public address.
const config = testConfig({
  RATE_LIMIT_PER_IP: undefined,
  RATE_LIMIT_PER_DEVICE: undefined,
  RATE_LIMIT_PER_VOTER: undefined,
  RATE_LIMIT_READS_PER_IP: undefined,
  RATE_LIMIT_SOCKET_EVENTS_PER_IP: undefined,
  RATE_LIMIT_EVENTS_PER_SOCKET: undefined,
});
const CROWD = 600;
const CANDIDATES = ['alice', 'bob', 'carol'];
let server: TestServer;
let mongo: Connection;
let boardId: string;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, CANDIDATES);
  await createLiveCampaign(mongo, boardId, { candidateIds: CANDIDATES });
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server.close();
  await mongo.close();
});

/** What one attendee's phone does after the host's call: the outcome of each request. */
async function attendee(i: number): Promise<string[]> {
  const participantId = randomId('p');
  const deviceId = `dev-crowd-${i}`;
  const outcomes: string[] = [];
  // The ranking page: a socket held open, subscribed to the board. 600 handshakes at once on a
  // loaded two-core machine can queue past socket.io's 20 s default: a slow answer is not a
  // refusal (a refused one is a connect_error at once, and fails the test).
  const socket = await connectSocket(server.url, 60_000);
  sockets.push(socket);
  const snapshot = await socket.timeout(60_000).emitWithAck('board:subscribe', { boardId, window: 'all' });
  outcomes.push('error' in snapshot ? `subscribe ${snapshot.error.code}` : 'ok');
  // The campaign page's public reads (miniprogram/pages/campaign: the campaign, its entry form,
  // reward rules, lotteries and donation matching), then the board over HTTP: the ranking and a
  // candidate's card; the ranking page reads its campaign again as its feed connects (a freeze).
  const reads = [
    `/api/public/campaigns/${boardId}`,
    `/api/campaigns/${boardId}/entry-settings`,
    `/api/campaigns/${boardId}/reward-rules`,
    `/api/campaigns/${boardId}/lotteries`,
    `/api/campaigns/${boardId}/matches`,
    `/api/boards/${boardId}/leaderboard`,
    `/api/public/campaigns/${boardId}`,
    `/api/boards/${boardId}/members/alice`,
  ];
  for (const path of reads) {
    const res = await fetch(`${server.url}${path}`);
    await res.body?.cancel();
    outcomes.push(res.status === 200 ? 'ok' : `read ${path.split('/').at(-1)} ${res.status}`);
  }
  // Three votes, one per candidate.
  for (const candidateId of CANDIDATES) {
    const res = await fetch(`${server.url}/api/boards/${boardId}/votes`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-device-id': deviceId,
        ...(await asParticipant(config, participantId)),
      },
      body: JSON.stringify({ candidateId }),
    });
    await res.body?.cancel();
    outcomes.push(res.status === 202 ? 'ok' : `vote ${res.status}`);
  }
  return outcomes;
}

describe('a venue crowd behind one address, with the default limits', () => {
  it("lets 600 phones each hold a socket, open the campaign's page, read the board twice and vote three times at once", async () => {
    const outcomes = (await Promise.all(Array.from({ length: CROWD }, (_, i) => attendee(i)))).flat();
    expect(outcomes).toHaveLength(CROWD * 12);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
  }, 120_000);
});
