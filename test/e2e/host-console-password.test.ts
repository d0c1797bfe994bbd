import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../../server/test/support/hosts.js';
import { openPage } from '../support/browser.js';
import { testConfig } from '../support/config.js';
import { useConsoleStack } from '../support/console.js';

const config = testConfig();
const stack = useConsoleStack(config);

const SESSION_KEY = 'rallyboard.console.session';
const NEW_PASSWORD = 'a brand new passphrase';

const sessionToken = async (page: Page) => {
  const session = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
  return (JSON.parse(session ?? '{}') as { token?: string }).token;
};
const me = (token: string | undefined) =>
  fetch(`${stack.server.url}/api/host/me`, { headers: { authorization: `Bearer ${token}` } });

async function signIn(page: Page, password: string) {
  await page.getByLabel('用户名').fill(stack.host.username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '我的活动' }).waitFor();
}

/** The problem a field shows: the text of the error line its control points to. */
async function fieldError(page: Page, label: string): Promise<string> {
  const control = page.getByLabel(label, { exact: true });
  const errorId = await control.getAttribute('aria-describedby');
  return (await page.locator(`[id="${errorId}"]`).textContent()) ?? '';
}

/** Every form control of the page's accessibility tree has a name (as host-console.test.ts checks). */
async function expectAllLabelled(page: Page) {
  const lines = (await page.locator('body').ariaSnapshot()).split('\n');
  const controls = lines.filter((line) => /^\s*- (textbox|combobox|checkbox|spinbutton)\b/.test(line));
  expect(controls.filter((line) => !/- \w+ "[^"]+"/.test(line))).toEqual([]);
  expect(controls.length).toBeGreaterThanOrEqual(await page.locator('input:visible').count());
}

describe("the host console's password change", () => {
  it('shows a wrong current password on its field, then changes it and stays signed in with a new token', async () => {
    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    await page.waitForURL(/#\/login$/);
    await signIn(page, TEST_PASSWORD);
    const oldToken = await sessionToken(page);

    await page.getByRole('link', { name: '修改密码' }).click();
    await page.getByRole('heading', { name: '修改密码' }).waitFor();
    await expectAllLabelled(page);
    expect(await page.getByLabel('当前密码', { exact: true }).getAttribute('autocomplete')).toBe(
      'current-password',
    );
    expect(await page.getByLabel('新密码', { exact: true }).getAttribute('autocomplete')).toBe(
      'new-password',
    );
    expect(await page.getByLabel('确认新密码', { exact: true }).getAttribute('autocomplete')).toBe(
      'new-password',
    );

    // A confirmation that differs is caught in the page, next to the confirmation.
    await page.getByLabel('当前密码', { exact: true }).fill(TEST_PASSWORD);
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('确认新密码', { exact: true }).fill(`${NEW_PASSWORD}!`);
    await page.getByRole('button', { name: '保存新密码' }).click();
    expect(await fieldError(page, '确认新密码')).toBe('两次输入的新密码不一致');

    // The server refuses a wrong current password (403 PASSWORD_INCORRECT): shown on that field.
    await page.getByLabel('当前密码', { exact: true }).fill('not my password at all');
    await page.getByLabel('确认新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: '保存新密码' }).click();
    await expect.poll(() => fieldError(page, '当前密码')).toBe('当前密码不正确');
    expect(await page.getByLabel('当前密码', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await fieldError(page, '确认新密码')).toBe('');
    expect(await sessionToken(page)).toBe(oldToken);
    expect((await me(oldToken)).status).toBe(200);

    await page.getByLabel('当前密码', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: '保存新密码' }).click();
    await page.getByRole('status').filter({ hasText: '密码已修改' }).first().waitFor();
    const newToken = await sessionToken(page);
    expect(newToken).toBeDefined();
    expect(newToken).not.toBe(oldToken);
    expect((await me(newToken)).status).toBe(200);
    expect((await me(oldToken)).status).toBe(401);
    // Still signed in: the console's next calls go through with the new token.
    await page.goto(`${stack.server.url}/console#/campaigns`);
    await page.getByRole('heading', { name: '我的活动' }).waitFor();

    // Signing out and in again takes the new password.
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/#\/login$/);
    await signIn(page, NEW_PASSWORD);
    // Chromium logs the one refused call (the wrong current password), and nothing else went wrong.
    expect(errors.filter((line) => !/status of 403/.test(line))).toEqual([]);
    await context.close();
  });
});
