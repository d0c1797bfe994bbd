import type { ReviewAction } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import {
  browser,
  campaign,
  counted,
  host,
  server,
  shown,
  useBigScreenStack,
  votes,
  waitForRanking,
  waitForState,
} from '../support/big-screen-fixture.js';
import { openPage } from '../support/browser.js';

// A live screen keeping up with what happens elsewhere: a lost connection, a review that voids
// votes, and the host's edits to the campaign.
useBigScreenStack();

describe('the big screen, in Chromium', () => {
  it('says it is reconnecting when cut off, keeps the old ranking greyed, and resyncs to the present', async () => {
    const campaignId = await campaign();
    const { page, context } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    await page.waitForSelector('#screen[data-connection="online"]');
    await context.setOffline(true);
    for (const socket of await server.io.in(`screen:${campaignId}`).fetchSockets()) socket.disconnect();
    await page.waitForSelector('#screen[data-connection="reconnecting"]');
    expect(await page.isVisible('#reconnecting')).toBe(true);

    await votes(campaignId, 'alice', 2);
    await counted(campaignId, 2);
    expect(await shown(page)).toEqual(['alice:0', 'bob:0', 'carol:0']);

    await context.setOffline(false);
    await page.waitForSelector('#screen[data-connection="online"]', { timeout: 20_000 });
    await waitForRanking(page, ['alice:2', 'bob:0', 'carol:0']);
    expect(await page.isVisible('#reconnecting')).toBe(false);
    await context.close();
  });

  it('follows a review that voids counted votes', async () => {
    const campaignId = await campaign();
    const { page, context } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    for (let i = 0; i < 3; i++) await votes(campaignId, 'bob', 1, `100.64.9.${i + 10}`);
    await votes(campaignId, 'carol', 1);
    await waitForRanking(page, ['bob:3', 'carol:1', 'alice:0']);
    const voided = await call<ReviewAction>(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/review/void-by-rule`,
      {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
        network: '100.64.9.0/24',
      },
    );
    expect(voided.status).toBe(202);
    await waitForRanking(page, ['carol:1', 'alice:0', 'bob:0']);
    await context.close();
  });

  it("follows the host's edits while live: a new title and a candidate added", async () => {
    const campaignId = await campaign();
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    const renamed = await call(server, host.token, 'PATCH', `/api/campaigns/${campaignId}`, {
      title: '年度最受欢迎社团评选 · 决赛',
    });
    expect(renamed.status).toBe(200);
    await page.waitForFunction(
      () => document.getElementById('title')?.textContent === '年度最受欢迎社团评选 · 决赛',
      undefined,
      { timeout: 10_000 },
    );
    const added = await call(server, host.token, 'POST', `/api/campaigns/${campaignId}/members`, {
      candidateId: 'dave',
      name: '大卫',
    });
    expect(added.status).toBe(201);
    await votes(campaignId, 'dave', 1);
    await waitForRanking(page, ['dave:1', 'alice:0', 'bob:0', 'carol:0']);
    expect(await page.textContent('#ranking-list li[data-candidate-id="dave"]')).toBe('第1名 大卫 1票');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the votes of the last minute at once when opened after them', async () => {
    const campaignId = await campaign();
    await votes(campaignId, 'alice', 4);
    await counted(campaignId, 4);
    const { page, context } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    // It read 0 here until the next votes came: the screen saw only totals from its opening on.
    await page.waitForFunction(() => document.querySelector('#vpm')?.textContent === '4', null, {
      timeout: 5_000,
    });
    await context.close();
  });
});
