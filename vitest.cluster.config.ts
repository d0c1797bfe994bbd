import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The Redis Cluster tier (`npm run test:cluster`, run by CI after the slow tier): the suite,
 * unchanged, against a real local Redis Cluster of three masters that
 * `npm run services -- start --redis-cluster` forms (scripts/services/redis-cluster.ts): the
 * core end-to-end tests (the vote flow and the relay, exactly-once, quotas, likes, risk holds
 * and review, rebuild, two servers with two workers), every server, worker and core test, and
 * test/cluster/ (what only a cluster shows: slots spread over masters).
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/cluster/**/*.test.ts',
      'packages/core/test/**/*.test.ts',
      'server/test/**/*.test.ts',
      'workers/test/**/*.test.ts',
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
      'server/test/http/hostile-input-routes.test.ts',
      'server/test/http/hostile-input-self-check.test.ts',
      'server/test/realtime/relays/board-relay-slow-reads.test.ts',
      'server/test/realtime/relays/board-relay-resets.test.ts',
      'server/test/realtime/relays/screen-relay.test.ts',
      'server/test/boards/leaderboard-unavailable.test.ts',
      'server/test/health/routes.test.ts',
      'server/test/ingest/votes-redis-down.test.ts',
      'server/test/ingest/votes-redis-stall.test.ts',
      'server/test/campaigns/operations-move-failure.test.ts',
      'workers/test/votes/store-outage.test.ts',
    ],
    globalSetup: ['test/cluster-setup.ts'],
  },
});
