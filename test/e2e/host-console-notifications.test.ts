import { notificationModels, recordGrant, recordSend, sendIdOf } from '@rallyboard/core/db';
import type { CampaignView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call, campaignBody } from '../../server/test/support/hosts.js';
import { openPage, screenshot } from '../support/browser.js';
import { testConfig } from '../support/config.js';
import { signInToConsole, useConsoleStack } from '../support/console.js';
import { TEST_TEMPLATES } from '../support/wechat.js';

const config = testConfig({
  WECHAT_TEMPLATES: JSON.stringify({ 'results-final': TEST_TEMPLATES['results-final'] }),
});
const stack = useConsoleStack(config);

const RESULTS = TEST_TEMPLATES['results-final'].templateId;

describe("the host console's subscribe messages", () => {
  it('shows per message its template, the subscriptions, the sends by outcome and why some did not go', async () => {
    const created = await call<CampaignView>(
      stack.server,
      stack.host.token,
      'POST',
      '/api/campaigns',
      campaignBody(),
    );
    const campaignId = created.body.id;
    const models = notificationModels(stack.server.deps.mongo);
    const outcomes = [
      ['p1', 'sent'],
      ['p2', 'sent'],
      ['p3', 'sent'],
      ['p4', 'dropped', 'WECHAT_43101'],
      ['p5', 'failed', 'WECHAT_47003'],
    ] as const;
    for (const [userId, status, reason] of outcomes) {
      await recordGrant(models, { userId, campaignId, templateId: RESULTS, event: 'results-final' });
      await recordSend(models, {
        _id: sendIdOf('results-final', campaignId, userId),
        event: 'results-final',
        campaignId,
        userId,
        templateId: RESULTS,
        status,
        reason,
        attempts: 1,
      });
    }

    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    await signInToConsole(page, stack.host.username);
    await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/notifications`);
    const results = page.locator('#notification-log tr[data-event="results-final"]');
    await results.waitFor();
    expect(await results.locator('th, td').allTextContents()).toEqual([
      '结果通知',
      RESULTS,
      '5',
      '3',
      '0',
      '1',
      '1',
    ]);
    expect(
      await page.locator('#notification-log tr[data-event="campaign-started"] td').first().textContent(),
    ).toBe('未配置，不发送');
    expect(await page.locator('#notification-reasons li').allTextContents()).toEqual([
      '结果通知：用户拒收或订阅次数已用完（WECHAT_43101） 1 条',
      '结果通知：消息内容不符合模板要求（WECHAT_47003） 1 条',
    ]);
    expect(await page.getByRole('link', { name: '订阅消息' }).getAttribute('aria-current')).toBe('page');
    await screenshot(page, 'console-notifications');
    expect(errors).toEqual([]);
    await context.close();
  });
});
