import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The Redis Cluster tier (`npm run test:cluster`, run by CI beside the slow tier): tests of the
 * code that talks to Redis, unchanged, against a real local Redis Cluster of three masters that
 * `npm run services -- start --redis-cluster` forms (scripts/services/redis-cluster.ts). What a
 * cluster changes is which node each key lives on, so a script, transaction or pipeline over
 * keys of two slots fails there and nowhere else. The tier runs:
 * - core's Redis layer and what sits on it (keys, scripts, the board's apply and reads, locks,
 *   the queue, batching, board sync, the WeChat token cache);
 * - every worker test;
 * - the server modules that send Redis commands of their own (sessions and login limits,
 *   ingest and its rate limits, share codes, rewards and lotteries, the WeChat binding and push,
 *   recommendations, the text-check cache, the socket server and its relays);
 * - the core end-to-end tests and test/cluster/ (what only a cluster shows: slots spread over
 *   masters).
 * The other server modules reach Redis only through core's functions, whose tests run here.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/cluster/**/*.test.ts',
      'packages/core/test/{redis,batch,campaigns,wechat}/**/*.test.ts',
      'workers/test/**/*.test.ts',
      'server/test/{auth,hosts,ingest,realtime,referrals,recommendations,rewards,wechat-push}/**/*.test.ts',
      'server/test/campaigns/text-check*.test.ts',
      'test/e2e/vote-flow.test.ts',
      'test/e2e/exactly-once.test.ts',
      'test/e2e/quotas.test.ts',
      'test/e2e/likes.test.ts',
      'test/e2e/rebuild.test.ts',
      'test/e2e/risk-review-counted-votes.test.ts',
      'test/e2e/risk-review-device-clusters.test.ts',
      'test/e2e/risk-review-voiding.test.ts',
      'test/e2e/scale-out.test.ts',
    ],
    exclude: [
      ...configDefaults.exclude,
      // These need one Redis server: they put a TCP proxy in front of it, point a connection at
      // a closed port beside it, or use its numbered databases (a cluster has database 0 only).
      'server/test/realtime/relays/board-relay-slow-reads.test.ts',
      'server/test/realtime/relays/board-relay-resets.test.ts',
      'server/test/realtime/relays/screen-relay.test.ts',
      'server/test/realtime/relays/alert-relay-reconnect.test.ts',
      'server/test/ingest/votes-redis-down.test.ts',
      'server/test/ingest/votes-redis-stall.test.ts',
      'workers/test/votes/store-outage.test.ts',
    ],
    globalSetup: ['test/cluster-setup.ts'],
  },
});
