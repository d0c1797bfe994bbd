import type { Page } from 'playwright-core';
import { TEST_PASSWORD } from '../../server/test/support/hosts.js';

/** Signs in to the console through its form, as a host would, and waits for 我的活动. */
export async function signInToConsole(page: Page, username: string): Promise<void> {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '我的活动' }).waitFor();
}

/** Confirms the console's dialog (a real <dialog>, not window.confirm) with `button`. */
export async function confirmInConsole(page: Page, button: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: button }).click();
  await dialog.waitFor({ state: 'hidden' });
}
