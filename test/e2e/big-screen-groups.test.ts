import { groupIdOf, type ScreenView } from '@rallyboard/core/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import {
  browser,
  campaign,
  host,
  server,
  useBigScreenStack,
  votes,
  waitForRanking,
  waitForState,
} from '../support/big-screen-fixture.js';
import { openPage, screenshot } from '../support/browser.js';

// The host's group view on the big screen (分组榜): the groups ranked by their totals, live.
useBigScreenStack();

const LIONS = '狮子队';
const TIGERS = '老虎队';

/** Waits until the screen's badge names the ranking it shows. */
const badge = (page: Page, text: string) =>
  page.waitForFunction(
    (want) => globalThis.document.querySelector('#window-badge')?.textContent === want,
    text,
    {
      timeout: 15_000,
    },
  );

const putScreen = (campaignId: string, body: unknown) =>
  call<ScreenView>(server, host.token, 'PUT', `/api/campaigns/${campaignId}/screen`, body);

describe('the big screen group view, in Chromium', () => {
  it('shows the groups by their totals when the host turns it on, live, under the group names', async () => {
    const campaignId = await campaign({}, { alice: LIONS, bob: LIONS, carol: TIGERS });
    const lions = groupIdOf(LIONS);
    const tigers = groupIdOf(TIGERS);
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    await votes(campaignId, 'carol', 3);
    await waitForRanking(page, ['carol:3', 'alice:0', 'bob:0']);

    const grouped = await putScreen(campaignId, { view: 'groups' });
    expect(grouped.status).toBe(200);
    expect(grouped.body).toMatchObject({ window: 'all', view: 'groups' });
    await waitForRanking(page, [`${tigers}:3`, `${lions}:0`]);
    await badge(page, '总榜 · 分组');
    // Live: two votes for alice and two for bob put the lions ahead.
    await votes(campaignId, 'alice', 2);
    await votes(campaignId, 'bob', 2);
    await waitForRanking(page, [`${lions}:4`, `${tigers}:3`]);
    const text = await page.textContent('#ranking-list');
    expect(text).toContain(LIONS);
    expect(text).toContain(TIGERS);
    await screenshot(page, 'screen-groups-1080p');

    // Today's groups, then back to the candidates.
    expect((await putScreen(campaignId, { window: 'day' })).body).toMatchObject({
      window: 'day',
      view: 'groups',
    });
    await badge(page, '今日榜 · 分组');
    expect((await putScreen(campaignId, { view: 'candidates' })).status).toBe(200);
    await waitForRanking(page, ['carol:3', 'alice:2', 'bob:2']);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses a settings body that names neither a window nor a view, an unknown view, and the groups of a campaign without groups', async () => {
    const campaignId = await campaign();
    const empty = await putScreen(campaignId, {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    // A campaign without groups has no groups' ranking to show.
    const noGroups = await putScreen(campaignId, { view: 'groups' });
    expect(noGroups.status).toBe(400);
    expect(noGroups.body).toMatchObject({
      error: { code: 'INVALID_INPUT', details: [{ path: 'body.view' }] },
    });
    const unknown = await putScreen(campaignId, { view: 'teams' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      error: { code: 'INVALID_INPUT', details: [{ path: 'body.view' }] },
    });
  });
});
