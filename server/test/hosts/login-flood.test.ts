import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

/**
 * An unauthenticated flood of host logins must not stall everyone else. Every login costs a
 * scrypt on libuv's thread pool (4 threads), which the screen page's files and a vote's token
 * check (jose's WebCrypto) need too. Before the password work was bounded, 200 logins from one
 * address queued 200 scrypts on the pool, and a screen page or a first vote waited seconds
 * behind them. Loopback only: one address, 200 logins, each file's own server.
 */

const FLOOD = 200;
/**
 * What a page or a vote may take during the flood. Generous for a busy two-core machine running
 * other test files at the same time (the scrypts still being computed hold both cores; the
 * Redis Cluster tier's CI run once measured 1,537 ms for the script here), and about half of
 * what the unbounded flood costs a quiet machine (7.7 s for the page, 10.4 s for the script,
 * measured with the gate opened to 64 at once).
 */
const BOUND_MS = 4_000;

interface Sample {
  page: number;
  script: number;
  vote: number;
}

async function timed(work: () => Promise<Response>, expected: number): Promise<number> {
  const started = performance.now();
  const res = await work();
  await res.arrayBuffer();
  expect(res.status).toBe(expected);
  return Math.round(performance.now() - started);
}

function floodSuite(name: string, env: Record<string, string>) {
  describe(name, () => {
    const config = testConfig(env);
    let server: TestServer;
    let mongo: Connection;
    let boardId: string;

    beforeAll(async () => {
      mongo = await connectMongo(config.mongo.uri, 'test');
      server = await startTestServer(config, mongo);
      boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    });
    afterAll(async () => {
      await server.close();
      await mongo.close();
    });

    const login = (i: number) =>
      fetch(`${server.url}/api/host/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Unknown usernames, each its own: the per-username limit never stops one, and each costs
        // the decoy scrypt that keeps unknown names from answering faster.
        body: JSON.stringify({ username: `nobody-${i}-${randomId('u')}`, password: 'guess guess guess' }),
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });

    it('keeps the screen page and a first vote fast while 200 logins hammer from one address', async () => {
      // Tokens signed before the flood (signing uses the pool too); each voter votes once, so the
      // server verifies each token in full, as it does a participant's first vote.
      const voters = await Promise.all(
        Array.from({ length: 40 }, (_, i) => asParticipant(config, `p-flood-${i}-${randomId('v')}`)),
      );
      // Warm up what a first request pays once per process (the page's files, the vote path, the
      // decoy hash an unknown username is checked against): the flood is what is measured.
      await timed(() => fetch(`${server.url}/screen/${boardId}`), 200);
      await timed(() => fetch(`${server.url}/web/screen.js`), 200);
      expect(await login(-1)).toBe(401);
      const samples: Sample[] = [];
      let settled = false;
      const floodStarted = performance.now();
      const flood = Promise.all(Array.from({ length: FLOOD }, (_, i) => login(i))).finally(() => {
        settled = true;
      });
      // Let the logins reach the server and their scrypts the pool.
      await new Promise((resolve) => setTimeout(resolve, 150));
      for (const voter of voters) {
        if (settled && samples.length >= 3) break;
        // The three at once, so that none of them waits out the flood for the others.
        const [page, script, vote] = await Promise.all([
          timed(() => fetch(`${server.url}/screen/${boardId}`), 200),
          timed(() => fetch(`${server.url}/web/screen.js`), 200),
          timed(
            () =>
              fetch(`${server.url}/api/boards/${boardId}/votes`, {
                method: 'POST',
                headers: { ...voter, 'content-type': 'application/json' },
                body: JSON.stringify({ candidateId: 'alice' }),
              }),
            202,
          ),
        ]);
        samples.push({ page, script, vote });
      }
      const statuses = await flood;
      const floodMs = Math.round(performance.now() - floodStarted);
      const worst = {
        page: Math.max(...samples.map((s) => s.page)),
        script: Math.max(...samples.map((s) => s.script)),
        vote: Math.max(...samples.map((s) => s.vote)),
      };
      const counts: Record<number, number> = {};
      for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
      console.log(
        `${name}: ${samples.length} samples, worst page ${worst.page} ms, script ${worst.script} ms, ` +
          `vote ${worst.vote} ms; flood ${floodMs} ms, answers ${JSON.stringify(counts)}`,
      );
      // Every login was refused as it should be, wrong or limited, never a 5xx.
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
      expect(worst.page).toBeLessThan(BOUND_MS);
      expect(worst.script).toBeLessThan(BOUND_MS);
      expect(worst.vote).toBeLessThan(BOUND_MS);
    }, 60_000);
  });
}

floodSuite('a login flood with the default limits', {});
// As a flood from many addresses would be: only the bound on password work stands in the way.
floodSuite('a login flood without the per-address cap', { RATE_LIMIT_HOST_LOGIN_PER_IP: '0' });
