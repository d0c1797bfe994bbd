import { ledgerModel } from '@rallyboard/core/db';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../../server/test/support/hosts.js';
import { openPage, screenshot } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { useCountingConsoleStack } from '../support/console.js';
import { participantToken } from '../support/participants.js';
import { eventually, seedBoard } from '../support/stack.js';

// Simulated voters each get an address of their own through X-Forwarded-For.
const config = testConfig({ TRUST_PROXY: 'loopback' });
const stack = useCountingConsoleStack(config);

const CONTROL_ROLES = '(textbox|searchbox|combobox|listbox|checkbox|radio|spinbutton|slider)';

/**
 * The form controls of the page's accessibility tree (Playwright's aria snapshot, which computes
 * roles and accessible names as browsers do: <label for>, aria-label, aria-labelledby), split into
 * those with a name and those without. Every input, select and textarea is one of these roles.
 */
async function controlNames(page: Page): Promise<{ named: string[]; unnamed: string[] }> {
  const lines = (await page.locator('body').ariaSnapshot()).split('\n');
  const controls = lines.filter((line) => new RegExp(`^\\s*- ${CONTROL_ROLES}\\b`).test(line));
  return {
    named: controls.filter((line) => new RegExp(`- ${CONTROL_ROLES} "[^"]+"`).test(line)),
    unnamed: controls.filter((line) => !new RegExp(`- ${CONTROL_ROLES} "[^"]+"`).test(line)),
  };
}

async function expectAllLabelled(page: Page, where: string) {
  const { named, unnamed } = await controlNames(page);
  expect(unnamed, where).toEqual([]);
  // Every visible input, select and textarea is in the tree with its name (none hides as another role).
  const visible = await page.locator('input:visible, select:visible, textarea:visible').count();
  expect(named.length, where).toBeGreaterThanOrEqual(visible);
}

/** Signs in through the form, as a host would. */
async function signIn(page: Page) {
  await page.getByLabel('用户名').fill(stack.host.username);
  await page.getByLabel('密码').fill(TEST_PASSWORD);
  await expectAllLabelled(page, 'login');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '我的活动' }).waitFor();
}

/** Confirms the console's dialog (a real <dialog>, not window.confirm). */
async function confirm(page: Page, button: string) {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: button }).click();
  await dialog.waitFor({ state: 'hidden' });
}

async function vote(
  campaignId: string,
  candidateId: string,
  voter: { id: string; ip: string; device: string; dwellMs: number },
) {
  const res = await fetch(`${stack.server.url}/api/boards/${campaignId}/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await participantToken(config, voter.id)}`,
      'x-forwarded-for': voter.ip,
      'x-device-id': voter.device,
    },
    body: JSON.stringify({ candidateId, dwellMs: voter.dwellMs }),
  });
  expect(res.status).toBe(202);
}

describe('the host console', () => {
  it('signs in, creates a campaign with its candidates, schedules and starts it, and its screen renders it', async () => {
    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    await page.waitForURL(/#\/login$/);
    await signIn(page);

    await page.getByRole('link', { name: '＋ 新建活动' }).click();
    await page.getByLabel('活动名称').fill('年度人气之星 · 控制台测试');
    await page.getByLabel('候选 1 编号').fill('zhang');
    await page.getByLabel('候选 1 名称').fill('张三');
    await page.getByLabel('候选 1 图片地址').fill('not a url');
    await page.getByLabel('候选 1 分组').fill('一班');
    await page.getByRole('button', { name: '＋ 添加候选' }).click();
    await page.getByLabel('候选 2 编号').fill('li');
    await page.getByLabel('候选 2 名称').fill('李四');
    await page.getByLabel('候选 2 分组').fill('二班');
    await expectAllLabelled(page, 'new campaign');
    await page.getByRole('button', { name: '创建活动' }).click();
    // Checked before sending, and shown next to its field.
    await expect.poll(() => page.locator('#campaign-form [aria-invalid="true"]').count()).toBe(1);
    expect(await page.getByLabel('候选 1 图片地址').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('候选 1 图片地址').fill('https://example.com/zhang.png');
    await page.getByRole('button', { name: '创建活动' }).click();

    await page.waitForURL(/#\/campaigns\/[^/]+\/overview$/);
    const campaignId = decodeURIComponent(page.url().split('/').at(-2) ?? '');
    const status = page.locator('#status-text');
    await expect.poll(() => status.textContent()).toBe('草稿');
    await expectAllLabelled(page, 'overview');

    await page.getByRole('button', { name: '发布排期' }).click();
    // Cancelling changes nothing.
    await confirm(page, '取消');
    expect(await status.textContent()).toBe('草稿');
    await page.getByRole('button', { name: '发布排期' }).click();
    await confirm(page, '确定发布排期');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('已排期');
    await page.getByRole('button', { name: '立即开始' }).click();
    await confirm(page, '确定立即开始');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('进行中');
    expect(await page.locator('#campaign-status').textContent()).toBe('进行中');
    expect(await page.locator('#lifecycle button').allTextContents()).toEqual(['暂停', '封榜', '结束活动']);

    // The screens' settings: today's ranking, of the groups (the campaign's candidates have groups).
    await page.getByLabel('大屏显示的榜单').selectOption('day');
    await expect.poll(() => page.locator('.toast').last().textContent()).toBe('大屏已切换到今日榜');
    await page.getByLabel('大屏显示选手排名或分组排名').selectOption('groups');
    await expect.poll(() => page.locator('.toast').last().textContent()).toBe('大屏已切换到分组排名');

    // Every tab's controls are labelled.
    for (const tab of ['edit', 'rules', 'review', 'notifications', 'audit']) {
      await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/${tab}`);
      await page.locator('.tab-body form, .tab-body section').first().waitFor();
      await expectAllLabelled(page, tab);
    }
    const audit = page.locator('#audit-log tbody tr');
    await expect.poll(() => audit.count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#audit-log').textContent()).toContain('状态变更');

    // Tags (兴趣标签) on the campaign and a candidate, live: saved, and there when the editor opens
    // again; a tag over 20 characters is refused on its own field.
    await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/edit`);
    await page.getByLabel('活动标签').fill('校园 音乐');
    await page.getByLabel('候选 1 标签').fill('摇滚, 民谣');
    await page.getByRole('button', { name: '保存修改' }).click();
    await page.waitForURL(/\/overview$/);
    await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/edit`);
    await page.reload();
    expect(await page.getByLabel('活动标签').inputValue()).toBe('校园，音乐');
    expect(await page.getByLabel('候选 1 标签').inputValue()).toBe('摇滚，民谣');
    const tooLong = page.getByLabel('候选 2 标签');
    await tooLong.fill('很'.repeat(21));
    await page.getByRole('button', { name: '保存修改' }).click();
    await expect.poll(() => tooLong.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#${await tooLong.getAttribute('aria-describedby')}`).textContent()).toBe(
      '每个标签最多 20 个字',
    );
    expect(await page.locator('#campaign-form [aria-invalid="true"]').count()).toBe(1);

    const screen = await context.newPage();
    await screen.goto(`${stack.server.url}/screen/${campaignId}`);
    await expect
      .poll(() => screen.locator('#title').textContent(), { timeout: 10_000 })
      .toBe('年度人气之星 · 控制台测试');
    expect(await screen.locator('#window-badge').textContent()).toBe('今日榜 · 分组');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the live monitor at 1080p: votes per second, the queue, counted votes, networks', async () => {
    const campaignId = await seedBoard(config, stack.server.deps.redis, stack.mongo, ['alice', 'bob']);
    await createLiveCampaign(stack.mongo, campaignId, { createdBy: stack.host.id, title: '校园十佳歌手' });
    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    await signIn(page);
    await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/monitor`);
    for (let i = 0; i < 12; i++) {
      await vote(campaignId, i % 3 ? 'alice' : 'bob', {
        id: `p-mon-${campaignId}-${i}`,
        ip: `10.${i % 4}.7.${i + 1}`,
        device: `dev-mon-${i}`,
        // People read for different times: the same dwell on every new account is an emulator's.
        dwellMs: 3_000 + i * 450,
      });
    }
    await expect.poll(() => page.locator('#stat-total').textContent(), { timeout: 20_000 }).toBe('12');
    await expect.poll(() => page.locator('#stat-counted').textContent(), { timeout: 20_000 }).toBe('12');
    expect(await page.locator('#rate-chart canvas').count()).toBe(1);
    await expect.poll(() => page.locator('#network-chart canvas').count()).toBe(1);
    // The risk dashboard's tallies: the top eight of the twelve voters' IPs (four /16s between them).
    await expect.poll(() => page.locator('.tops code').count(), { timeout: 15_000 }).toBe(8);
    expect(await page.locator('#stat-rebuild').textContent()).toBe('无');
    await expectAllLabelled(page, 'monitor');
    const file = await screenshot(page, 'console-monitor-1080p');
    expect(file).toMatch(/test-artifacts\/console-monitor-1080p\.png$/);
    // A rebuild from the ledger fences the board (held, as one that failed part-way leaves it).
    await stack.server.deps.redis.set(stack.server.deps.keys.board(campaignId).fence, 'rebuild-token');
    await expect.poll(() => page.locator('#stat-rebuild').textContent(), { timeout: 10_000 }).toBe('进行中');
    expect(await page.locator('#stat-rebuild').locator('..').getAttribute('class')).toContain('warn');
    await stack.server.deps.redis.del(stack.server.deps.keys.board(campaignId).fence);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('approves a held device farm from the review queue, voids it by rule, and the screen follows each step', async () => {
    const campaignId = await seedBoard(config, stack.server.deps.redis, stack.mongo, ['alice', 'carol']);
    await createLiveCampaign(stack.mongo, campaignId, {
      createdBy: stack.host.id,
      candidateIds: ['alice', 'carol'],
      title: '审核测试',
    });
    await vote(campaignId, 'alice', {
      id: `p-honest-${campaignId}`,
      ip: '10.9.9.9',
      device: 'dev-honest',
      dwellMs: 4_000,
    });
    // Six accounts on one phone: the fourth is held, and the cluster's earlier votes with it.
    for (let i = 0; i < 6; i++) {
      await vote(campaignId, 'carol', {
        id: `p-farm-${campaignId}-${i}`,
        ip: `172.16.${i}.9`,
        device: 'dev-farm-1',
        dwellMs: 4_000,
      });
    }
    await eventually(
      async () =>
        (await ledgerModel(stack.mongo).countDocuments({ boardId: campaignId, 'review.state': 'held' })) ===
        6,
      20_000,
      'the farm held',
    );

    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    await signIn(page);
    const screen = await context.newPage();
    await screen.goto(`${stack.server.url}/screen/${campaignId}`);
    const total = screen.locator('#total');
    await expect.poll(() => total.textContent(), { timeout: 10_000 }).toBe('1');

    await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/review`);
    const group = page.getByLabel('选择分组 device dev-farm-1');
    await group.waitFor();
    expect(await page.locator('#held-summary').textContent()).toBe('共 6 票待审核');
    await expectAllLabelled(page, 'review');
    await group.check();
    await page.getByLabel('审核备注').fill('一家人共用手机');
    await page.getByRole('button', { name: '批准所选' }).click();
    await confirm(page, '确定批准');
    await page.locator('#review-actions [data-state="done"]').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => page.locator('#held-summary').textContent(), { timeout: 10_000 })
      .toBe('没有待审核的投票');
    await expect.poll(() => total.textContent(), { timeout: 10_000 }).toBe('7');

    // Void by rule: the device's votes for carol, all of them counted now.
    const form = page.locator('#void-by-rule');
    await form.getByLabel('设备编号').fill('dev-farm-1');
    await form.getByLabel('候选').selectOption('carol');
    await form.getByLabel('作废说明').fill('同一人操作');
    await form.getByRole('button', { name: '作废符合条件的投票' }).click();
    await confirm(page, '确定作废');
    await expect
      .poll(() => page.locator('#review-actions li').first().getAttribute('data-state'), { timeout: 20_000 })
      .toBe('done');
    expect(await page.locator('#review-actions li').first().textContent()).toContain('变更 6 票');
    await expect.poll(() => total.textContent(), { timeout: 10_000 }).toBe('1');
    expect(errors).toEqual([]);
    await context.close();
    // Three background review jobs and a cluster hold, each polled to its end: more than the
    // default 30 s when the machine is busy with other test files.
  }, 90_000);
});
