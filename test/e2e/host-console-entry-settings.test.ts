import type { EntrySettingsView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { randomId, testConfig } from '../support/config.js';
import { signInToConsole, useConsoleStack } from '../support/console.js';

// 报名设置 in Chromium, on a browser in New York for a campaign in London: the entry window reads
// and saves in the campaign's timezone, as its schedule does, and an emptied time is said on its
// field, without sending anything and without leaving the button stuck.
const config = testConfig();
const stack = useConsoleStack(config);

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(stack.server, stack.host.token, method, path, body);

/**
 * A live campaign in London with its entry window set (9:00 UTC on 1 and 8 March 2030), and its
 * 报名设置 open on a browser in New York.
 */
async function settingsInLondon() {
  const campaignId = randomId('c');
  await createLiveCampaign(stack.server.deps.mongo, campaignId, {
    createdBy: stack.host.id,
    schedule: {
      startAt: new Date(Date.now() - 3_600_000),
      endAt: new Date(Date.now() + 86_400_000),
      timezone: 'Europe/London',
    },
  });
  const url = `/api/campaigns/${campaignId}/entry-settings`;
  const saved = await asHost('PUT', url, {
    opensAt: '2030-03-01T09:00:00.000Z',
    closesAt: '2030-03-08T09:00:00.000Z',
  });
  expect(saved.status).toBe(200);
  const context = await stack.browser.newContext({ timezoneId: 'America/New_York', locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.setDefaultTimeout(8_000);
  await page.goto(`${stack.server.url}/console`);
  await signInToConsole(page, stack.host.username);
  await page.goto(`${stack.server.url}/console#/campaigns/${campaignId}/entries`);
  const form = page.locator('#entry-settings');
  const opens = form.getByLabel('开始报名');
  await opens.waitFor();
  return {
    url,
    page,
    context,
    errors,
    opens,
    closes: form.getByLabel('截止报名'),
    save: form.getByRole('button', { name: '保存报名设置' }),
  };
}

describe('the entry settings form', () => {
  it('reads and saves the entry window in the campaign’s timezone, not the browser’s', async () => {
    const { url, page, context, errors, opens, closes, save } = await settingsInLondon();
    // 09:00 UTC is 09:00 in London in March (GMT), 04:00 in New York.
    expect(await opens.inputValue()).toBe('2030-03-01T09:00');
    expect(await closes.inputValue()).toBe('2030-03-08T09:00');

    // 10:00 in London in July is 09:00 UTC (BST).
    await closes.fill('2030-07-01T10:00');
    await save.click();
    await page.locator('.toast-ok', { hasText: '报名设置已保存' }).waitFor();
    const now = await asHost<EntrySettingsView>('GET', url);
    expect(now.body.settings?.closesAt).toBe('2030-07-01T09:00:00.000Z');
    expect(now.body.settings?.opensAt).toBe('2030-03-01T09:00:00.000Z');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says an emptied time on its field, sends nothing, and leaves the button ready for the fix', async () => {
    const { page, context, errors, opens, save } = await settingsInLondon();
    let puts = 0;
    page.on('request', (r) => {
      if (r.method() === 'PUT') puts += 1;
    });
    await opens.fill('');
    await save.click();
    await expect.poll(() => opens.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`[id="${await opens.getAttribute('aria-describedby')}"]`).textContent()).toBe(
      '请填写完整的日期和时间',
    );
    expect(await save.isEnabled()).toBe(true);
    expect(puts).toBe(0);

    await opens.fill('2030-03-02T09:00');
    await save.click();
    await page.locator('.toast-ok', { hasText: '报名设置已保存' }).waitFor();
    expect(puts).toBe(1);
    expect(await opens.getAttribute('aria-invalid')).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });
});
