import { describe, expect, it } from 'vitest';
import { campaignId, open, usePagesStack } from '../support/pages-fixture.js';

// Every page worth showing someone can be sent to a chat and posted to Moments, opening the same
// page on the same campaign; and no title offers anything for sharing (利诱分享 is forbidden).
usePagesStack();

const INDUCEMENT = /奖|抽|福利|红包|解锁|领取|送|积分|返|得/;

type Sharing = {
  onShareAppMessage(): { title: string; path: string };
  onShareTimeline(): { title: string; query: string };
};

describe('sharing', () => {
  it('offers a chat card and a Moments post on the list, a campaign, its ranking and a candidate', async () => {
    const pages = [
      { page: 'pages/campaigns/index', query: {}, opens: '' },
      { page: 'pages/campaign/index', query: { campaignId }, opens: `campaignId=${campaignId}` },
      { page: 'pages/ranking/index', query: { campaignId }, opens: `campaignId=${campaignId}` },
      {
        page: 'pages/candidate/index',
        query: { campaignId, candidateId: 'bob' },
        opens: `campaignId=${campaignId}&candidateId=bob`,
      },
    ];
    for (const { page, query, opens } of pages) {
      const shown = await open(page, query);
      const instance = shown.instance as unknown as Sharing;
      const card = instance.onShareAppMessage();
      const post = instance.onShareTimeline();
      expect(card.path.startsWith(`/${page}`), page).toBe(true);
      expect(card.path, page).toContain(opens);
      expect(post.query, page).toBe(opens);
      for (const title of [card.title, post.title]) {
        expect(title.length, page).toBeGreaterThan(0);
        expect(title, page).not.toMatch(INDUCEMENT);
      }
    }
  });
});
