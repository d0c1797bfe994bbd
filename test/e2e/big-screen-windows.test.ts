import { randomUUID } from 'node:crypto';
import type { AuditPage, ScreenView } from '@rallyboard/core/protocol';
import { dayOf } from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { call, createTestHost } from '../../server/test/support/hosts.js';
import {
  browser,
  campaign,
  host,
  server,
  status,
  useBigScreenStack,
  votes,
  waitForRanking,
  waitForState,
} from '../support/big-screen-fixture.js';
import { openPage, screenshot } from '../support/browser.js';

// The host's choice of ranking on the big screen: all time, today's or this week's.
useBigScreenStack();

/** Votes counted yesterday (in the board's timezone), as the workers would have counted them. */
async function countedYesterday(campaignId: string, candidateId: string, n: number) {
  const yesterday = dayOf(Date.now() - 86_400_000, 'Asia/Shanghai');
  const applied = await applyVotes(
    server.deps.redis,
    server.deps.keys,
    campaignId,
    Array.from({ length: n }, () => ({
      voteId: randomUUID(),
      candidateId,
      action: 'vote' as const,
      voterId: `p-yesterday-${randomUUID()}`,
      day: yesterday,
      dayExpiresAt: dayExpiresAt(Date.now(), 8),
    })),
    { dedupTtlSeconds: 3_600, origin: 'test' },
  );
  expect(applied.outcome).toBe('applied');
}

const putWindow = (campaignId: string, body: unknown, token = host.token) =>
  call<ScreenView>(server, token, 'PUT', `/api/campaigns/${campaignId}/screen`, body);

describe('the big screen, in Chromium', () => {
  it("turns to today's ranking when the host picks it, live, and back to all time", async () => {
    const campaignId = await campaign();
    await countedYesterday(campaignId, 'bob', 3);
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    expect(await page.textContent('#window-badge')).toBe('总榜');
    await votes(campaignId, 'carol', 2);
    await waitForRanking(page, ['bob:3', 'carol:2', 'alice:0']);

    const today = await putWindow(campaignId, { window: 'day' });
    expect(today.status).toBe(200);
    expect(today.body.window).toBe('day');
    // Only today's votes: bob's were yesterday.
    await waitForRanking(page, ['carol:2']);
    expect(await page.textContent('#window-badge')).toBe('今日榜');
    await votes(campaignId, 'alice', 3);
    await waitForRanking(page, ['alice:3', 'carol:2']);
    await screenshot(page, 'screen-today-1080p');

    expect((await putWindow(campaignId, { window: 'all' })).status).toBe(200);
    await waitForRanking(page, ['bob:3', 'alice:3', 'carol:2']);
    expect(await page.textContent('#window-badge')).toBe('总榜');
    expect(errors).toEqual([]);
    await context.close();

    // Each change is on the audit log; the same choice again is not.
    expect((await putWindow(campaignId, { window: 'all' })).status).toBe(200);
    const audit = await call<AuditPage>(server, host.token, 'GET', `/api/campaigns/${campaignId}/audit`);
    const changes = audit.body.entries.filter((e) => e.action === 'campaign.screen');
    expect(changes.map((e) => [e.before, e.after])).toEqual([
      [
        { window: 'day', view: 'candidates' },
        { window: 'all', view: 'candidates' },
      ],
      [
        { window: 'all', view: 'candidates' },
        { window: 'day', view: 'candidates' },
      ],
    ]);
  });

  it("ends on the all-time podium while today's ranking is on the screen", async () => {
    const campaignId = await campaign();
    await countedYesterday(campaignId, 'bob', 3);
    await countedYesterday(campaignId, 'alice', 2);
    expect((await putWindow(campaignId, { window: 'day' })).status).toBe(200);
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    await votes(campaignId, 'carol', 1);
    await waitForRanking(page, ['carol:1']);

    await status(campaignId, 'ended');
    await waitForState(page, 'podium');
    // All time, bob and alice lead on yesterday's votes: today's ranking has carol alone.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLElement>('#podium-places .podium-place')]
          .map((place) => `${place.dataset.rank}:${place.dataset.candidateId}`)
          .sort()
          .join(',') === '1:bob,2:alice,3:carol',
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#podium-places .podium-1 .podium-name')).toBe('鲍勃');
    expect(await page.textContent('#podium-places .podium-1 .podium-score')).toBe('3票');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses another window with 400 naming it, and another host with 404', async () => {
    const campaignId = await campaign();
    const month = await putWindow(campaignId, { window: 'month' });
    expect(month.status).toBe(400);
    expect(month.body).toMatchObject({
      error: { code: 'INVALID_INPUT', details: [{ path: 'body.window' }] },
    });
    const other = await createTestHost(server);
    const refused = await putWindow(campaignId, { window: 'day' }, other.token);
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ error: { code: 'CAMPAIGN_NOT_FOUND' } });
  });
});
