import { ledgerModel } from '@rallyboard/core/db';
import { createKeys } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { reconcileRewards } from '../../src/rewards/reconcile.js';
import { openRewardStores } from '../support/deps.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
let stores: Awaited<ReturnType<typeof openRewardStores>>;
beforeAll(async () => {
  stores = await openRewardStores(config);
});
afterAll(() => stores.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a campaign's rewards pass", () => {
  it('keeps its lock while it runs longer than the lock lasts, so the next pass starts after it, not beside it', async () => {
    const deps = { redis: stores.redis, keys, rewards: stores.rewards, ledger: ledgerModel(stores.mongo) };
    const campaignId = randomId('c');
    const events: string[] = [];
    const find = stores.rewards.rules.find.bind(stores.rewards.rules);
    let calls = 0;
    // The first pass's read of the rules is slow (a store under load): three times the lock's life.
    const rules = vi.spyOn(stores.rewards.rules, 'find').mockImplementation(((filter: object) => {
      calls++;
      if (calls === 1) {
        events.push('first pass reads');
        return {
          sort: () => ({
            lean: async () => {
              await sleep(900);
              events.push('first pass read');
              return [];
            },
          }),
        };
      }
      events.push('second pass reads');
      return find(filter);
    }) as never);
    try {
      const first = reconcileRewards(deps, campaignId, ['p-1'], { lockTtlMs: 300 });
      await sleep(50);
      const second = reconcileRewards(deps, campaignId, ['p-2'], { lockTtlMs: 300 });
      await Promise.all([first, second]);
    } finally {
      rules.mockRestore();
    }
    expect(events).toEqual(['first pass reads', 'first pass read', 'second pass reads']);
  });
});
