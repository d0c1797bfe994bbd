import { readFile } from 'node:fs/promises';
import { rewardGrantIdOf, rewardModels } from '@rallyboard/core/db';
import { claimCoupon, createKeys } from '@rallyboard/core/redis';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { csvLine, UTF8_BOM } from '../../server/src/exports/csv.js';
import { GRANTS_HEADER } from '../../server/src/rewards/grants-export-routes.js';
import { call } from '../../server/test/support/hosts.js';
import { openPage, screenshot } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { randomId, testConfig } from '../support/config.js';
import { signInToConsole, useConsoleStack } from '../support/console.js';
import { seedBoard } from '../support/stack.js';

// The console's 奖励 tab in Chromium: a coupon pool added, a CSV with bad lines refused line by
// line with nothing imported, then imported, its stock following a code handed out while the
// tab is open; a rule added with the terms participants read; the
// platform rule that keeps shares, invitations and payments out said on the page; a rule paused.
// Then the milestone and end-of-campaign triggers: each shows only its own inputs, a bad count
// is caught on its field, a candidate removed since the page loaded is refused by the server on
// the candidate's field; their state once reached and ended; and grants.csv downloaded.
const config = testConfig();
const stack = useConsoleStack(config);

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(stack.server, stack.host.token, method, path, body);

const form = (page: Page) => page.getByRole('form', { name: '添加奖励规则' });

/** The error line a form control points to (aria-describedby). */
const errorOf = async (page: Page, control: Locator) =>
  page.locator(`[id="${await control.getAttribute('aria-describedby')}"]`);

describe("the host console's rewards", () => {
  it('imports coupon codes all or nothing, adds a rule with its terms, and pauses it', async () => {
    const campaignId = randomId('c');
    // A campaign in London's time: a pool's last day ends at midnight there, not in Beijing.
    await createLiveCampaign(stack.server.deps.mongo, campaignId, {
      createdBy: stack.host.id,
      title: '奶茶节投票',
      schedule: {
        startAt: new Date(Date.now() - 3_600_000),
        endAt: new Date(Date.now() + 86_400_000),
        timezone: 'Europe/London',
      },
    });
    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    page.setDefaultTimeout(8_000);
    await signInToConsole(page, stack.host.username);
    await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/rewards`);
    await page.getByRole('heading', { name: '奖励规则' }).waitFor();
    expect(await page.locator('.compliance').textContent()).toContain(
      '分享、邀请、助力和付费都不能作为奖励条件',
    );

    await page.getByLabel('券池名称').fill('奶茶券');
    await page.getByLabel('每人最多').fill('1');
    await page.getByLabel('有效期至').fill('2099-06-30');
    await page.getByRole('button', { name: '添加券池' }).click();
    const pool = page.locator('li.coupon-pool', { hasText: '奶茶券' });
    await pool.waitFor();
    expect(await pool.locator('.stock').textContent()).toContain('共 0 · 剩余 0');

    const codes = page.getByLabel('「奶茶券」的券码（每行一个）');
    await codes.fill('TEA-0001\nbad code\nTEA-0001');
    await pool.getByRole('button', { name: '导入券码' }).click();
    const bad = pool.locator('.bad-lines li');
    await bad.first().waitFor();
    expect(await bad.allTextContents()).toEqual([
      '第 2 行「bad code」：格式不对',
      '第 3 行「TEA-0001」：文件内重复',
    ]);
    expect(await pool.locator('.stock').textContent()).toContain('共 0 · 剩余 0');
    await codes.fill('TEA-0001\nTEA-0002');
    await pool.getByRole('button', { name: '导入券码' }).click();
    await pool.locator('.stock', { hasText: '共 2 · 剩余 2' }).waitFor();
    // The stock monitor: a code handed out (as the workers' rewards pass does: the pool's Redis
    // stock, then the grant) shows on the open tab within seconds, without a reload.
    const poolId =
      (await rewardModels(stack.server.deps.mongo).pools.findOne({ campaignId }).lean())?._id ?? '';
    const code = await claimCoupon(
      stack.server.deps.redis,
      createKeys(config.keyPrefix),
      poolId,
      `g-monitor-${campaignId}`,
    );
    await rewardModels(stack.server.deps.mongo).grants.create({
      _id: `g-monitor-${campaignId}`,
      campaignId,
      ruleId: 'rr-monitor',
      participantId: 'p-monitor',
      key: 'day:2026-01-01',
      voteId: 'v-monitor',
      grantedAt: new Date(),
      status: 'active',
      poolId,
      code,
    });
    await pool.locator('.stock', { hasText: '共 2 · 剩余 1 · 已发 1' }).waitFor({ timeout: 12_000 });

    await page.getByLabel('规则名称').fill('每日领券');
    await page.getByLabel('奖励内容').selectOption('coupon');
    await page.getByLabel('券池', { exact: true }).selectOption({ label: '奶茶券' });
    await page.getByRole('button', { name: '添加规则' }).click();
    const rule = page.locator('li.reward-rule', { hasText: '每日领券' });
    await rule.waitFor();
    expect(await rule.locator('.terms').textContent()).toContain(
      '「奶茶券」一张（每人最多 1 张，剩余 1 张，2099-06-30 23:59（Europe/London） 前有效）',
    );
    await screenshot(page, 'console-rewards');
    await rule.getByRole('button', { name: '暂停「每日领券」' }).click();
    await rule.locator('.badge', { hasText: '已暂停' }).waitFor();
    // The refused import's 422 is the browser's only complaint.
    expect(errors).toEqual([
      'console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
    ]);
    await context.close();
  });

  it('adds milestone and end rules, shows where they stand, and downloads every grant', async () => {
    const candidateIds = ['alice', 'bob', 'carol'];
    const campaignId = await seedBoard(
      config,
      stack.server.deps.redis,
      stack.server.deps.mongo,
      candidateIds,
    );
    await createLiveCampaign(stack.server.deps.mongo, campaignId, {
      createdBy: stack.host.id,
      status: 'scheduled',
      members: [
        { candidateId: 'alice', name: '阿丽' },
        { candidateId: 'bob', name: '小博' },
        { candidateId: 'carol', name: '卡罗' },
      ],
    });
    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    page.setDefaultTimeout(8_000);
    await signInToConsole(page, stack.host.username);
    await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/rewards`);
    const rules = form(page);
    await rules.waitFor();
    let posted = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/reward-rules')) posted += 1;
    });

    // Only the chosen trigger's inputs are shown.
    const n = rules.getByLabel('N', { exact: true });
    const candidate = rules.getByLabel('候选', { exact: true });
    const count = rules.getByLabel('目标票数');
    const top = rules.getByLabel('K', { exact: true });
    expect(await Promise.all([n, candidate, count, top].map((l) => l.isVisible()))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    await rules.getByLabel('条件').selectOption({ label: '候选达到票数（里程碑）' });
    expect(await Promise.all([n, candidate, count, top].map((l) => l.isVisible()))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(await candidate.locator('option').allTextContents()).toEqual(['阿丽', '小博', '卡罗']);

    // A count the schema refuses is said on its field, and nothing is sent.
    await rules.getByLabel('规则名称').fill('卡罗破百');
    await count.fill('0');
    await rules.getByRole('button', { name: '添加规则' }).click();
    expect(await count.getAttribute('aria-invalid')).toBe('true');
    expect(await (await errorOf(page, count)).textContent()).toBe('数值太小');
    expect(posted).toBe(0);

    // Removed since the page loaded: the select still offers it, and the server's refusal lands on it.
    expect((await asHost('DELETE', `/api/campaigns/${campaignId}/members/carol`)).status).toBe(200);
    await candidate.selectOption({ label: '卡罗' });
    await count.fill('100');
    await rules.getByRole('button', { name: '添加规则' }).click();
    const candidateError = await errorOf(page, candidate);
    await candidateError.filter({ hasText: '本活动已没有这个候选' }).waitFor();
    expect(await candidate.getAttribute('aria-invalid')).toBe('true');
    expect(await count.getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('.form-error', { hasText: '请检查标红的字段' }).count()).toBe(1);
    expect(posted).toBe(1);

    await rules.getByLabel('规则名称').fill('阿丽破百');
    await candidate.selectOption({ label: '阿丽' });
    await rules.getByRole('button', { name: '添加规则' }).click();
    const milestone = page.locator('li.reward-rule', { hasText: '阿丽破百' });
    await milestone.waitFor();
    expect(await candidate.getAttribute('aria-invalid')).toBeNull();
    expect(await milestone.locator('.terms').textContent()).toContain('「阿丽」的有效票数达到 100 时');
    expect(await milestone.locator('.milestone').textContent()).toBe('未达成');

    await rules.getByLabel('规则名称').fill('前二名支持者');
    await rules.getByLabel('条件').selectOption({ label: '活动结束时排名前 K 的支持者' });
    expect(await Promise.all([n, candidate, count, top].map((l) => l.isVisible()))).toEqual([
      false,
      false,
      false,
      true,
    ]);
    await top.fill('2');
    await rules.getByRole('button', { name: '添加规则' }).click();
    const end = page.locator('li.reward-rule', { hasText: '前二名支持者' });
    await end.waitFor();
    expect(await end.locator('.terms').textContent()).toContain('活动结束时，最终排名前 2 的候选中');
    expect(await end.locator('.end-top').textContent()).toBe('活动结束后确定最终前 2 名');

    // Reached, then ended: the state the workers keep (triggers.ts), written here as they write it.
    for (const status of ['live', 'ended']) {
      expect((await asHost('POST', `/api/campaigns/${campaignId}/status`, { status })).status).toBe(200);
    }
    const { grants, rules: ruleDocs } = rewardModels(stack.server.deps.mongo);
    const ruleId = (name: string) =>
      ruleDocs
        .findOne({ campaignId, name })
        .lean()
        .then((r) => r?._id ?? '');
    const [milestoneId, endId] = await Promise.all([ruleId('阿丽破百'), ruleId('前二名支持者')]);
    await ruleDocs.updateOne({ _id: milestoneId }, { $set: { reached: true } });
    await ruleDocs.updateOne({ _id: endId }, { $set: { endTop: ['bob', 'alice'] } });
    const grantId = rewardGrantIdOf(milestoneId, 'p-1', 'milestone:100');
    await grants.create({
      _id: grantId,
      campaignId,
      ruleId: milestoneId,
      participantId: 'p-1',
      key: 'milestone:100',
      voteId: 'v-1',
      status: 'active',
      points: 5,
      grantedAt: new Date(),
    });
    await page.reload();
    await milestone.locator('.milestone', { hasText: '已达成' }).waitFor();
    expect(await end.locator('.end-top').textContent()).toBe('最终前 2 名：小博、阿丽');
    await screenshot(page, 'console-reward-triggers');

    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载发放记录（CSV）' }).click(),
    ]);
    expect(file.suggestedFilename()).toMatch(new RegExp(`^${campaignId}-grants-\\d{8}-\\d{6}\\.csv$`));
    const csv = await readFile(await file.path(), 'utf8');
    expect(csv.startsWith(`${UTF8_BOM}${csvLine(GRANTS_HEADER)}`)).toBe(true);
    const lines = csv.slice(UTF8_BOM.length).trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.split(',').slice(0, 5)).toEqual([
      grantId,
      milestoneId,
      '阿丽破百',
      'p-1',
      'milestone:100',
    ]);
    // The refused candidate's 400 is the browser's only complaint.
    expect(errors).toEqual([
      'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    await context.close();
  });
});
