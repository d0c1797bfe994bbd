import { participantModel, recordLogin } from '@rallyboard/core/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { launchChromium, openPage, screenshot } from '../support/browser.js';
import { randomId } from '../support/config.js';
import { signInToConsole } from '../support/console.js';
import { participantToken } from '../support/participants.js';
import { useWeChatServer } from '../support/wechat-server.js';

// 绑定微信 in the console, in Chromium: a code asked for, redeemed in the mini-program (through
// the API it calls), and the page seeing the binding on its own; then unbinding after asking.
const env = useWeChatServer();
let browser: Browser;
let host: TestHost;
beforeAll(async () => {
  [browser, host] = await Promise.all([launchChromium(), createTestHost(env.server)]);
});
afterAll(async () => {
  await browser?.close();
});

describe("the host console's WeChat binding", () => {
  it('shows a code, sees it redeemed in the mini-program, and unbinds after asking', async () => {
    const { page, context, errors } = await openPage(browser, `${env.server.url}/console`);
    await signInToConsole(page, host.username);
    await page.getByRole('link', { name: '绑定微信' }).click();
    await page.getByRole('heading', { name: '绑定微信' }).waitFor();
    const state = page.locator('.wechat-state');
    await state.filter({ hasText: '尚未绑定微信' }).waitFor();
    // Nothing to unbind yet.
    expect(await page.getByRole('button', { name: '解除绑定' }).isVisible()).toBe(false);

    await page.getByRole('button', { name: '获取绑定码' }).click();
    const shown = page.getByLabel('绑定码');
    await shown.waitFor();
    const code = (await shown.textContent()) ?? '';
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);
    await screenshot(page, 'console-wechat-binding-code');

    // The host, in the mini-program, signed in with its WeChat, types the code.
    const user = await recordLogin(participantModel(env.mongo), {
      appId: env.config.wechat.appId ?? '',
      openid: randomId('o'),
    });
    const token = await participantToken(env.config, user._id);
    expect((await call(env.server, token, 'POST', '/api/me/host-binding', { code })).status).toBe(200);

    await state.filter({ hasText: '已绑定微信' }).waitFor({ timeout: 10_000 });
    expect(await shown.count()).toBe(0);
    await screenshot(page, 'console-wechat-bound');

    await page.getByRole('button', { name: '解除绑定' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: '解除绑定' }).click();
    await state.filter({ hasText: '尚未绑定微信' }).waitFor();
    expect(await page.getByRole('button', { name: '解除绑定' }).isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });
});
