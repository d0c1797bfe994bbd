import type { MatchView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import {
  browser,
  campaign,
  host,
  server,
  useBigScreenStack,
  votes,
  waitForState,
} from '../support/big-screen-fixture.js';
import { openPage, screenshot } from '../support/browser.js';

// The big screen's donation matching: each pledge along the bottom, its amount rising with the
// counted votes up to its cap.
useBigScreenStack();

describe('the big screen donation matching, in Chromium', () => {
  it('shows each pledge and what counted votes have matched, up to the cap', async () => {
    const campaignId = await campaign();
    for (const body of [
      { sponsor: '爱心企业', cause: '山区儿童图书角', perVoteFen: 50, capFen: 300 },
      { sponsor: '公益基金会', cause: '社区助老', perVoteFen: 100, capFen: 100_000, candidateId: 'bob' },
    ]) {
      expect(
        (await call<MatchView>(server, host.token, 'POST', `/api/campaigns/${campaignId}/matches`, body))
          .status,
      ).toBe(201);
    }
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    await page.waitForSelector('#matching-line .matching-item');
    expect(await page.textContent('#matching-line')).toContain('已配捐 ¥0.00 / ¥3.00');

    await votes(campaignId, 'bob', 4);
    await votes(campaignId, 'alice', 3);
    // 7 counted votes: ¥3.50 capped at ¥3.00; bob's 4 at ¥1.00 each.
    await page.waitForFunction(
      () =>
        (window as unknown as { __rallyMatching: { shown: string[] } }).__rallyMatching.shown.join('|') ===
        '爱心企业 ¥3.00/¥3.00|公益基金会 ¥4.00/¥1,000.00',
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.textContent('#matching-line')).toContain('已达上限');
    expect(await page.textContent('#matching-line')).toContain(
      '公益配捐 · 公益基金会为「鲍勃」每票 ¥1.00，用于社区助老',
    );
    await screenshot(page, 'screen-matching-1080p');
    expect(errors).toEqual([]);
    await context.close();
  });
});
