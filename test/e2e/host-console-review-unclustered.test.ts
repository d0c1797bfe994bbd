import { ledgerModel } from '@rallyboard/core/db';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openPage } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { confirmInConsole, signInToConsole, useCountingConsoleStack } from '../support/console.js';
import { participantToken } from '../support/participants.js';
import { eventually, seedBoard } from '../support/stack.js';

// The review queue's group of held votes with no cluster (the server's `(none)`: here, votes a
// too-fast tap held, a rule that names no cluster). No cluster selects them, so the console lists
// them from the held votes and reviews them by their ids: they are listed, approved and voided
// from the group, and a review the server refuses is said as a failure, not as 完成.
const config = testConfig({ TRUST_PROXY: 'loopback' });
const stack = useCountingConsoleStack(config);

/** A vote tapped 200 ms after the page showed, from an address and a phone of its own. */
async function fastVote(campaignId: string, voter: string, n: number) {
  const res = await fetch(`${stack.server.url}/api/boards/${campaignId}/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await participantToken(config, voter)}`,
      'x-forwarded-for': `10.${n}.1.9`,
      'x-device-id': `dev-${voter}`,
    },
    body: JSON.stringify({ candidateId: 'alice', dwellMs: 200 }),
  });
  expect(res.status).toBe(202);
}

const heldOf = (campaignId: string) =>
  ledgerModel(stack.mongo).find({ boardId: campaignId, 'review.state': 'held' }).lean();

/** Sends fast votes and waits until they are all held, with no cluster. */
async function holdFastVotes(campaignId: string, voters: string[]) {
  for (const [i, voter] of voters.entries()) await fastVote(campaignId, voter, i + 1);
  await eventually(async () => (await heldOf(campaignId)).length === voters.length, 20_000, 'votes held');
  expect((await heldOf(campaignId)).map((v) => v.risk?.clusters ?? [])).toEqual(voters.map(() => []));
}

/** Ticks the group without a cluster and approves or voids it, after the dialog. */
async function decideGroup(page: Page, button: '批准所选' | '作废所选', confirm: string) {
  await page.locator('[data-group="(none)"]').check();
  await page.getByRole('button', { name: button }).click();
  await confirmInConsole(page, confirm);
}

/**
 * A live campaign where a tap under a second holds the vote for review (a rule that names no
 * cluster), with `voters` held so, and its review queue open in the console.
 */
async function reviewQueueWithFastVotes(voters: string[]) {
  const campaignId = await seedBoard(config, stack.server.deps.redis, stack.mongo, ['alice', 'bob']);
  await createLiveCampaign(stack.mongo, campaignId, {
    createdBy: stack.host.id,
    candidateIds: ['alice', 'bob'],
    risk: { rules: { fastTap: { action: 'review' } } },
  });
  await holdFastVotes(campaignId, voters);
  const opened = await openPage(stack.browser, `${stack.server.url}/console`);
  opened.page.setDefaultTimeout(8_000);
  await signInToConsole(opened.page, stack.host.username);
  await opened.page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/review`);
  const group = opened.page.locator('.group', { has: opened.page.locator('[data-group="(none)"]') });
  await group.waitFor();
  return { ...opened, campaignId, group };
}

const reviewed = (campaignId: string, state: 'approved' | 'voided') =>
  ledgerModel(stack.mongo).countDocuments({ boardId: campaignId, 'review.state': state });

describe('the review queue’s held votes with no cluster', () => {
  it('are a group named in words whose votes 查看投票 lists', async () => {
    const { page, context, errors, group } = await reviewQueueWithFastVotes(['p-a1', 'p-a2', 'p-a3']);
    expect(await page.locator('#held-summary').textContent()).toBe('共 3 票待审核');
    await group.getByRole('button', { name: '查看投票' }).click();
    await expect.poll(() => group.locator('tbody tr').count()).toBe(3);
    expect(await group.locator('.group-label strong').textContent()).toBe('未归入聚集的投票');
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    await context.close();
  });

  it('are approved, and voided, from the group', async () => {
    const { page, context, campaignId } = await reviewQueueWithFastVotes(['p-b1', 'p-b2', 'p-b3']);
    await decideGroup(page, '批准所选', '确定批准');
    await page.locator('.toast-ok', { hasText: '批准完成' }).waitFor({ timeout: 20_000 });
    await expect
      .poll(() => page.locator('#held-summary').textContent(), { timeout: 10_000 })
      .toBe('没有待审核的投票');
    expect(await reviewed(campaignId, 'approved')).toBe(3);

    await holdFastVotes(campaignId, ['p-b4', 'p-b5']);
    await page.reload();
    await page.locator('[data-group="(none)"]').waitFor();
    await decideGroup(page, '作废所选', '确定作废');
    await page.locator('.toast-ok', { hasText: '作废完成' }).waitFor({ timeout: 20_000 });
    expect(await reviewed(campaignId, 'voided')).toBe(2);
    await context.close();
  }, 60_000);

  it('say a review the server refuses as a failure, not as 完成', async () => {
    const { page, context, campaignId } = await reviewQueueWithFastVotes(['p-c1']);
    await page.route('**/review', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'SERVICE_UNAVAILABLE', message: 'Try again.' } }),
          })
        : route.fallback(),
    );
    await decideGroup(page, '批准所选', '确定批准');
    await page.locator('.toast-error', { hasText: '批准未全部完成：1 项失败' }).waitFor();
    expect(await page.locator('.toast-ok', { hasText: '批准完成' }).count()).toBe(0);
    expect(await heldOf(campaignId)).toHaveLength(1);
    await context.close();
  });
});
