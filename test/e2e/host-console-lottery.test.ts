import { createHash } from 'node:crypto';
import { ledgerModel, type RewardGrantDoc, rewardGrantIdOf, rewardModels } from '@rallyboard/core/db';
import { drawLottery, lotteryHolder } from '@rallyboard/core/lottery';
import type { LotteryView, RewardRuleView } from '@rallyboard/core/protocol';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import { backfillRewardCampaigns } from '../../workers/src/rewards/mark.js';
import { screenshot } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { confirmInConsole, openConsoleAt, useConsoleStack } from '../support/console.js';
import { seedBoard } from '../support/stack.js';

// The console's 抽奖 in Chromium: a lottery added to a scheduled campaign (its fields checked
// first, a prize row removed) shows its commitment; a rule gives its tickets; drawing before the
// end is refused with the console's words; once the campaign ended the form says why it is closed,
// and the draw (after the confirmation) shows the seed whose SHA-256 is the commitment, and the
// winners anyone recomputes from it.
const config = testConfig();
const stack = useConsoleStack(config);

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(stack.server, stack.host.token, method, path, body);

async function campaignIn(status: 'draft' | 'scheduled'): Promise<string> {
  const candidateIds = ['alice', 'bob'];
  const campaignId = await seedBoard(config, stack.server.deps.redis, stack.server.deps.mongo, candidateIds);
  await createLiveCampaign(stack.server.deps.mongo, campaignId, {
    candidateIds,
    createdBy: stack.host.id,
    status,
    title: '奶茶节投票',
  });
  return campaignId;
}

const openRewards = (campaignId: string) =>
  openConsoleAt(stack.browser, stack.server.url, stack.host.username, `/campaigns/${campaignId}/rewards`, {
    name: '抽奖',
    exact: true,
  });

const prizeField = (page: Page, n: number, what: '名称' | '名额') =>
  page.getByLabel(`奖品 ${n} ${what}`, { exact: true });

/** Fills the form: one row emptied and removed on the way, so the rows renumber. */
async function addLottery(page: Page): Promise<void> {
  const form = page.getByRole('form', { name: '添加抽奖' });
  await page.getByLabel('抽奖名称').fill('幸运抽奖');
  await prizeField(page, 1, '名称').fill('一等奖');
  await form.getByRole('button', { name: '添加奖品' }).click();
  await prizeField(page, 2, '名称').fill('不要了');
  await form.getByRole('button', { name: '添加奖品' }).click();
  await prizeField(page, 3, '名称').fill('二等奖');
  await prizeField(page, 3, '名额').fill('2');
  await form.getByRole('button', { name: '删除奖品 2' }).click();
  expect(await prizeField(page, 2, '名称').inputValue()).toBe('二等奖');
  await page.getByLabel('每人可持券数').fill('1');
  await form.getByRole('button', { name: '添加抽奖' }).click();
}

/** Tickets held: lottery grants of the rule, written as the workers write them. */
async function tickets(campaignId: string, ruleId: string, lotteryId: string, holders: number) {
  const grants: RewardGrantDoc[] = Array.from({ length: holders }, (_, i) => ({
    _id: rewardGrantIdOf(ruleId, `p-${i}`, 'nth:1'),
    campaignId,
    ruleId,
    participantId: `p-${i}`,
    key: 'nth:1',
    voteId: `v-${i}`,
    status: 'active',
    lotteryId,
    grantedAt: new Date(),
  }));
  await rewardModels(stack.server.deps.mongo).grants.insertMany(grants);
  return grants.map((g) => ({ ticket: g._id, holder: lotteryHolder(lotteryId, g.participantId) }));
}

async function moveTo(campaignId: string, status: 'live' | 'ended'): Promise<void> {
  expect((await asHost('POST', `/api/campaigns/${campaignId}/status`, { status })).status).toBe(200);
}

/** The rule form's choice of lottery (the 抽奖 section is labelled 抽奖 too). */
const ruleLottery = (page: Page) =>
  page.getByRole('form', { name: '添加奖励规则' }).getByLabel('抽奖', { exact: true });

/**
 * The workers' backfill of a new rule's campaign (its first step of a rewards pass): until it ran,
 * tickets may still be missing, and a draw answers LOTTERY_SETTLING. No vote was counted here,
 * so it marks nobody and leaves the tickets written above as they are.
 */
const backfill = () =>
  backfillRewardCampaigns(
    {
      redis: stack.server.deps.redis,
      keys: stack.server.deps.keys,
      ledger: ledgerModel(stack.server.deps.mongo),
    },
    Date.now() + 60_000,
  );

const cells = (row: Locator) => row.locator('td').allTextContents();

describe("the host console's lotteries", () => {
  it('commits a lottery before the start, gives its tickets by a rule, and draws it once the campaign ended', async () => {
    const campaignId = await campaignIn('scheduled');
    const { page, context, errors } = await openRewards(campaignId);
    const form = page.getByRole('form', { name: '添加抽奖' });
    expect(await form.textContent()).toContain('抽奖须在活动开始前添加');

    // The schema's problems show on their fields before anything is sent.
    await form.getByRole('button', { name: '添加抽奖' }).click();
    expect(await page.getByLabel('抽奖名称').getAttribute('aria-invalid')).toBe('true');
    expect(await prizeField(page, 1, '名称').getAttribute('aria-invalid')).toBe('true');
    await addLottery(page);
    const item = page.locator('li.lottery', { hasText: '幸运抽奖' });
    await item.waitFor();
    const [listed] = (
      await call<{ lotteries: LotteryView[] }>(
        stack.server,
        undefined,
        'GET',
        `/api/campaigns/${campaignId}/lotteries`,
      )
    ).body.lotteries;
    if (!listed) throw new Error('no lottery listed');
    const commitment = await item.locator('.commitment').textContent();
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(commitment).toBe(listed.commitment);
    expect(listed.prizes).toEqual([
      { name: '一等奖', count: 1 },
      { name: '二等奖', count: 2 },
    ]);
    expect(await item.locator('.prizes').textContent()).toBe('一等奖 1 名、二等奖 2 名 · 每人最多持有 1 张');
    expect(await item.locator('.badge').textContent()).toBe('待开奖');
    expect(await item.locator('.terms').textContent()).toContain('与分享、邀请无关');

    await page.getByLabel('规则名称').fill('投票抽奖券');
    await page.getByLabel('奖励内容').selectOption('lottery');
    await ruleLottery(page).selectOption({ label: '幸运抽奖' });
    await page.getByRole('button', { name: '添加规则' }).click();
    const rule = page.locator('li.reward-rule', { hasText: '投票抽奖券' });
    await rule.waitFor();
    expect(await rule.locator('.terms').textContent()).toContain('获得「幸运抽奖」抽奖券一张');

    // Not ended yet: the server refuses, and the lottery says so in the console's words.
    await item.getByRole('button', { name: '开奖「幸运抽奖」' }).click();
    await confirmInConsole(page, '确定开奖');
    await item.locator('.form-error', { hasText: '活动结束后才能开奖' }).waitFor();

    await moveTo(campaignId, 'live');
    const { rules } = (
      await call<{ rules: RewardRuleView[] }>(
        stack.server,
        undefined,
        'GET',
        `/api/campaigns/${campaignId}/reward-rules`,
      )
    ).body;
    const held = await tickets(campaignId, rules[0]?.id ?? '', listed.id, 4);
    await moveTo(campaignId, 'ended');
    await page.reload();
    await item.waitFor();
    expect(await form.locator('.form-note').textContent()).toContain('活动已结束，不能再添加抽奖');
    expect(await form.getByRole('button', { name: '添加抽奖' }).isDisabled()).toBe(true);
    expect(await item.locator('.tickets').textContent()).toBe('4 张');

    // Cancelled: nothing drawn.
    await item.getByRole('button', { name: '开奖「幸运抽奖」' }).click();
    await confirmInConsole(page, '取消');
    expect(await item.locator('.badge').textContent()).toBe('待开奖');
    // The new rule's backfill has not run: refused for now, and the button stays for a retry.
    await item.getByRole('button', { name: '开奖「幸运抽奖」' }).click();
    await confirmInConsole(page, '确定开奖');
    await item.locator('.form-error', { hasText: '最后的有效投票还在结算抽奖券' }).waitFor();
    await backfill();
    await item.getByRole('button', { name: '开奖「幸运抽奖」' }).click();
    await confirmInConsole(page, '确定开奖');
    const drawn = page.locator('li.lottery[data-status="drawn"]', { hasText: '幸运抽奖' });
    await drawn.waitFor();
    expect(await drawn.locator('.badge').textContent()).toBe('已开奖');
    const seed = (await drawn.locator('.seed').textContent()) ?? '';
    expect(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex')).toBe(commitment);
    const expected = drawLottery(seed, listed.id, listed.prizes, held);
    expect(expected).toHaveLength(3);
    const rows = await drawn.locator('table.winners tbody tr').all();
    expect(await Promise.all(rows.map(cells))).toEqual(expected.map((w) => [w.prize, w.holder, w.ticket]));
    expect(await drawn.locator('.verify').textContent()).toContain(`npm run verify-draw -- ${campaignId}`);
    await drawn.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-lottery-drawn');
    // The two refused draws' 409s are the browser's only complaints.
    const conflict = 'console: Failed to load resource: the server responded with a status of 409 (Conflict)';
    expect(errors).toEqual([conflict, conflict]);
    await context.close();
  });

  it("lists a draft's lottery from the host's list: the one just added, and again after a reload", async () => {
    const campaignId = await campaignIn('draft');
    const { page, context, errors } = await openRewards(campaignId);
    await addLottery(page);
    const item = page.locator('li.lottery', { hasText: '幸运抽奖' });
    await item.waitFor();
    expect(await item.locator('.commitment').textContent()).toMatch(/^[0-9a-f]{64}$/);
    await ruleLottery(page).locator('option', { hasText: '幸运抽奖' }).waitFor({
      state: 'attached',
    });
    // The draft's public list answers 404; the host's list has it at any status.
    await page.reload();
    await page.locator('li.lottery', { hasText: '幸运抽奖' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
