import { readFile } from 'node:fs/promises';
import { rewardModels } from '@rallyboard/core/db';
import type { MatchView, UnlockableView } from '@rallyboard/core/protocol';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { csvLine, UTF8_BOM } from '../../server/src/exports/csv.js';
import { MATCHING_HEADER } from '../../server/src/matching/routes.js';
import { call } from '../../server/test/support/hosts.js';
import {
  browser,
  campaign,
  counted,
  host,
  mongo,
  server,
  useBigScreenStack,
  votes,
} from '../support/big-screen-fixture.js';
import { screenshot } from '../support/browser.js';
import { openConsoleAt } from '../support/console.js';
import { eventually } from '../support/stack.js';

// The console's 公益配捐 and 点赞解锁 in Chromium, against a real server and vote worker: a
// pledge entered in yuan (amounts that are not yuan, or out of bounds, caught on their fields
// before anything is sent) shows its terms and a bar to its cap, which fills as votes count; the
// sponsor's audit downloads as matching.csv; a draft's pledge is listed from the server's answer.
// On a like campaign, content a like opens for the liker and a shared goal are listed with how
// they open (the content missing is caught on its field); a vote campaign's content opens only by
// a reward rule, which the rules form then offers. The big-screen fixture gives the honest voters and the
// worker that counts them (candidates 爱丽丝, 鲍勃, 卡罗尔).
useBigScreenStack();

const openRewards = (campaignId: string) =>
  openConsoleAt(browser, server.url, host.username, `/campaigns/${campaignId}/rewards`, { name: '公益配捐' });

/** The error line a form control points to (aria-describedby). */
const errorOf = async (page: Page, control: Locator) =>
  page.locator(`[id="${await control.getAttribute('aria-describedby')}"]`);

/** How many times the page has sent POST to a path ending so. */
function posts(page: Page, suffix: string): () => number {
  let n = 0;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith(suffix)) n += 1;
  });
  return () => n;
}

const matchesOf = async (campaignId: string) =>
  (await call<{ matches: MatchView[] }>(server, undefined, 'GET', `/api/campaigns/${campaignId}/matches`))
    .body.matches;

/** Fills the pledge form and sends it. */
async function pledge(page: Page, fields: { sponsor: string; cause: string; perVote: string; cap: string }) {
  const form = page.getByRole('form', { name: '添加配捐' });
  await form.getByLabel('赞助方').fill(fields.sponsor);
  await form.getByLabel('用途').fill(fields.cause);
  await form.getByLabel('每票配捐(元)').fill(fields.perVote);
  await form.getByLabel('上限(元)').fill(fields.cap);
  await form.getByRole('button', { name: '添加配捐' }).click();
}

const SECRET = '幕后花絮：排练那天的故事';
const SHARED = '全体解锁：冠军感言视频';

describe("the host console's donation matching and like-to-unlock", () => {
  it('adds pledges in yuan, shows their terms and how far counted votes matched them, and downloads the audit', async () => {
    const campaignId = await campaign();
    const { page, context, errors } = await openRewards(campaignId);
    const posted = posts(page, '/matches');
    const form = page.getByRole('form', { name: '添加配捐' });
    const perVote = form.getByLabel('每票配捐(元)');

    // Not yuan, then more than the schema allows a vote: each said on its field, nothing sent.
    await pledge(page, { sponsor: '爱心企业', cause: '山区儿童图书角', perVote: '0.505', cap: '2' });
    expect(await perVote.getAttribute('aria-invalid')).toBe('true');
    expect(await (await errorOf(page, perVote)).textContent()).toContain('最多两位小数');
    expect(await form.getByLabel('上限(元)').getAttribute('aria-invalid')).toBeNull();
    await perVote.fill('2000');
    await form.getByRole('button', { name: '添加配捐' }).click();
    expect(await (await errorOf(page, perVote)).textContent()).toBe('金额须在 ¥0.01 至 ¥1,000.00 之间');
    expect(posted()).toBe(0);

    await perVote.fill('0.5');
    await form.getByRole('button', { name: '添加配捐' }).click();
    const whole = page.locator('li.match', { hasText: '爱心企业' });
    await whole.waitFor();
    expect(await perVote.getAttribute('aria-invalid')).toBeNull();
    expect(await whole.locator('.badge').allTextContents()).toEqual(['全部候选']);
    expect(await whole.locator('.terms').textContent()).toBe(
      '爱心企业 为本活动的每一票有效投票（或点赞）配捐 ¥0.50，上限 ¥2.00，用于山区儿童图书角。配捐金额按计入排名的票数计算，被判无效的票不计。',
    );
    expect(await whole.locator('.match-progress').textContent()).toBe(
      '已配捐 ¥0.00 / ¥2.00（0%）· 计入 0 票',
    );
    const bar = whole.locator('progress.match-bar');
    expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['0', '200']);

    await form.getByLabel('配捐候选').selectOption({ label: '鲍勃' });
    await pledge(page, { sponsor: '公益基金会', cause: '社区助老', perVote: '1', cap: '¥1,000' });
    const forBob = page.locator('li.match', { hasText: '公益基金会' });
    await forBob.waitFor();
    expect(await forBob.locator('.terms').textContent()).toContain(
      '为「鲍勃」的每一票有效投票（或点赞）配捐 ¥1.00',
    );
    // Sent as fen: the yuan the host typed, to the fen.
    const listed = await matchesOf(campaignId);
    expect(listed.map((m) => [m.sponsor, m.perVoteFen, m.capFen, m.candidateId])).toEqual([
      ['爱心企业', 50, 200, undefined],
      ['公益基金会', 100, 100_000, 'bob'],
    ]);

    // Five counted votes: ¥2.50 capped at ¥2.00; bob's two at ¥1.00 each. The tab reads them again.
    await votes(campaignId, 'alice', 3);
    await votes(campaignId, 'bob', 2);
    await counted(campaignId, 5);
    await eventually(
      async () => (await matchesOf(campaignId))[0]?.counted === 5,
      10_000,
      'five votes matched',
    );
    await page.reload();
    await whole.locator('.match-progress', { hasText: '已配捐 ¥2.00 / ¥2.00（100%）· 计入 5 票' }).waitFor();
    expect(await whole.locator('.cap-reached').textContent()).toBe('已达上限');
    expect(await forBob.locator('.match-progress').textContent()).toBe(
      '已配捐 ¥2.00 / ¥1,000.00（0.2%）· 计入 2 票',
    );
    expect(await forBob.locator('.cap-reached').count()).toBe(0);
    await whole.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-matching');

    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载配捐明细（CSV）' }).click(),
    ]);
    expect(file.suggestedFilename()).toMatch(new RegExp(`^${campaignId}-matching-\\d{8}-\\d{6}\\.csv$`));
    const csv = await readFile(await file.path(), 'utf8');
    expect(csv.startsWith(`${UTF8_BOM}${csvLine(MATCHING_HEADER)}`)).toBe(true);
    const lines = csv.slice(UTF8_BOM.length).trimEnd().split('\r\n');
    const day = lines[1]?.split(',')[6];
    expect(lines.slice(1)).toEqual([
      `${listed[0]?.id},爱心企业,山区儿童图书角,,0.50,2.00,${day},5,5,2.00,2.00`,
      `${listed[1]?.id},公益基金会,社区助老,bob,1.00,1000.00,${day},2,2,2.00,2.00`,
    ]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("lists a draft's new pledge from the host's list, and opens a vote campaign's content by a reward rule only", async () => {
    const campaignId = await campaign({ status: 'draft' });
    const { page, context, errors } = await openRewards(campaignId);
    await pledge(page, { sponsor: '爱心企业', cause: '山区儿童图书角', perVote: '0.1', cap: '100' });
    const item = page.locator('li.match', { hasText: '爱心企业' });
    await item.waitFor();
    expect(await item.locator('.match-progress').textContent()).toBe(
      '已配捐 ¥0.00 / ¥100.00（0%）· 计入 0 票',
    );

    // A vote campaign's content opens only by a reward rule: the form offers that alone.
    const unlocks = page.locator('.unlock-section');
    expect(await unlocks.getByRole('heading', { name: '点赞解锁' }).isVisible()).toBe(true);
    expect(await unlocks.locator('.likes-only').textContent()).toContain('只能「按奖励规则解锁」');
    const form = page.getByRole('form', { name: '添加解锁内容' });
    expect(await form.getByLabel('解锁方式').locator('option').allTextContents()).toEqual([
      '按奖励规则解锁（以计入排名的投票获得）',
    ]);
    await form.getByLabel('标题').fill('投票花絮');
    await form.getByLabel('内容文字').fill(SECRET);
    await form.getByRole('button', { name: '添加解锁内容' }).click();
    const content = page.locator('li.unlockable', { hasText: '投票花絮' });
    await content.waitFor();
    expect(await content.locator('.how').textContent()).toBe(
      '按本活动的奖励规则，以计入排名的投票获得后解锁（见奖励规则）',
    );
    // A rule whose reward is that content.
    const rule = page.getByRole('form', { name: '添加奖励规则' });
    await rule.getByLabel('规则名称').fill('投两票看花絮');
    await rule.getByLabel('奖励内容').selectOption({ label: '解锁内容' });
    await rule.getByLabel('解锁的内容').selectOption({ label: '投票花絮' });
    // (A draft's rules are not public: the host's list has them.)
    const created = page.waitForResponse(
      (r) => r.url().endsWith('/reward-rules') && r.request().method() === 'POST',
    );
    await rule.getByRole('button', { name: '添加规则' }).click();
    const answer = await created;
    expect(answer.status()).toBe(201);
    expect(((await answer.json()) as { terms: string }).terms).toContain('解锁内容「投票花絮」');
    await page.locator('li.reward-rule', { hasText: '投两票看花絮' }).waitFor();
    // A draft's public lists answer 404; the host's are read instead: no complaint.
    expect(errors).toEqual([]);
    const rules = await rewardModels(mongo).rules.find({ campaignId }).lean();
    expect(rules.map((r) => r.reward)).toEqual([
      { kind: 'unlock', unlockableId: expect.stringMatching(/^ul/) },
    ]);
    await context.close();
  });

  it('adds content a like opens for the liker and a shared goal, each listed with how it opens', async () => {
    const campaignId = await campaign({ kind: 'like' });
    const { page, context, errors } = await openRewards(campaignId);
    const posted = posts(page, '/unlockables');
    const form = page.getByRole('form', { name: '添加解锁内容' });
    const text = form.getByLabel('内容文字');
    const image = form.getByLabel('图片地址（可选）');
    const goal = form.getByLabel('点赞数 N');
    expect(await goal.isVisible()).toBe(false);

    // No content at all, then a picture that is not https: each said on its field, nothing sent.
    await form.getByLabel('标题').fill('爱丽丝的花絮');
    await form.getByRole('button', { name: '添加解锁内容' }).click();
    expect(await text.getAttribute('aria-invalid')).toBe('true');
    expect(await (await errorOf(page, text)).textContent()).toBe('请填写内容文字或图片地址，至少一项');
    await image.fill('http://cdn.example.com/backstage.jpg');
    await form.getByRole('button', { name: '添加解锁内容' }).click();
    expect(await text.getAttribute('aria-invalid')).toBeNull();
    expect(await (await errorOf(page, image)).textContent()).toBe('请填写 https 开头的图片地址');
    expect(posted()).toBe(0);

    await text.fill(SECRET);
    await image.fill('https://cdn.example.com/backstage.jpg');
    await form.getByRole('button', { name: '添加解锁内容' }).click();
    const own = page.locator('li.unlockable', { hasText: '爱丽丝的花絮' });
    await own.waitFor();
    expect(await own.locator('.badge').textContent()).toBe('爱丽丝');
    expect(await own.locator('.how').textContent()).toBe('为「爱丽丝」点赞（计入排名）后解锁');
    expect(await own.locator('.unlock-text').textContent()).toBe(SECRET);
    expect(await own.locator('.unlock-image a').getAttribute('href')).toBe(
      'https://cdn.example.com/backstage.jpg',
    );
    expect(await own.locator('.unlock-progress').count()).toBe(0);

    await form.getByLabel('候选', { exact: true }).selectOption({ label: '鲍勃' });
    await form.getByLabel('标题').fill('鲍勃的感言');
    await text.fill(SHARED);
    await form.getByLabel('解锁方式').selectOption({ label: '候选达到 N 个点赞后全员解锁' });
    expect(await goal.isVisible()).toBe(true);
    await goal.fill('2');
    await form.getByRole('button', { name: '添加解锁内容' }).click();
    const shared = page.locator('li.unlockable', { hasText: '鲍勃的感言' });
    await shared.waitFor();
    expect(await shared.locator('.how').textContent()).toBe('「鲍勃」获得 2 个有效点赞后，所有人解锁');
    expect(await shared.locator('.unlock-likes').textContent()).toBe('0 / 2 个点赞');
    expect(await shared.locator('.unlock-text').textContent()).toBe(SHARED);
    await own.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-unlocks');

    const { items } = (
      await call<{ items: UnlockableView[] }>(
        server,
        host.token,
        'GET',
        `/api/campaigns/${campaignId}/unlockables`,
      )
    ).body;
    expect(items.map((i) => [i.title, i.candidateId, i.unlock])).toEqual([
      ['爱丽丝的花絮', 'alice', { kind: 'my-like' }],
      ['鲍勃的感言', 'bob', { kind: 'shared-goal', likes: 2 }],
    ]);
    expect(posted()).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
  });
});
