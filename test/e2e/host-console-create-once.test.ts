import type { Request, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { openConsoleAt, useConsoleStack } from '../support/console.js';
import { REWARD_FORMS } from '../support/reward-forms.js';
import { seedBoard } from '../support/stack.js';

// The 奖励 tab's adds in Chromium when the server made the add but its answer never came back
// (the connection dropped on the way): the host sees the failure and clicks again, and the same
// add is not made twice, since the form sends it again with the same Idempotency-Key.
const config = testConfig();
const stack = useConsoleStack(config);

async function draft(): Promise<string> {
  const campaignId = await seedBoard(config, stack.server.deps.redis, stack.server.deps.mongo, [
    'alice',
    'bob',
  ]);
  await createLiveCampaign(stack.server.deps.mongo, campaignId, {
    createdBy: stack.host.id,
    status: 'draft',
  });
  return campaignId;
}

describe('an add whose answer was lost', () => {
  it.each(REWARD_FORMS)('$form: clicked again, it is made once', async (spec) => {
    const campaignId = await draft();
    const { page, context } = await openConsoleAt(
      stack.browser,
      stack.server.url,
      stack.host.username,
      `/campaigns/${campaignId}/rewards`,
      { name: '奖励规则' },
    );
    const form = page.getByRole('form', { name: spec.form });
    await form.waitFor();
    await spec.fill(form);

    // The first add reaches the server, and its answer is dropped; the next go through.
    const sent: Request[] = [];
    let replayed: string | null = null;
    await page.route(`${stack.server.url}/api/campaigns/${campaignId}${spec.path}`, async (route: Route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      sent.push(route.request());
      const answer = await route.fetch();
      if (sent.length === 1) return route.abort('connectionreset');
      replayed = answer.headers()['idempotent-replayed'] ?? null;
      return route.fulfill({ response: answer });
    });
    const button = form.getByRole('button', { name: spec.button });
    await button.click();
    await expect.poll(() => sent.length).toBe(1);
    await expect.poll(() => button.isEnabled()).toBe(true);
    await button.click();
    await expect.poll(() => sent.length).toBe(2);
    await expect.poll(() => replayed).toBe('true');

    const [first, second] = await Promise.all(sent.map((r) => r.allHeaders()));
    expect(first?.['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.['idempotency-key']).toBe(first?.['idempotency-key']);
    const list = await call<Record<string, unknown[]>>(
      stack.server,
      stack.host.token,
      'GET',
      `/api/campaigns/${campaignId}${spec.list.path}`,
    );
    expect(list.body[spec.list.field]).toHaveLength(1);
    await context.close();
  });
});
