import { describe, expect, it } from 'vitest';
import { campaignHref, parseRoute } from '../../src/console/routes.js';

describe('console addresses', () => {
  it('send a host without a session to the login, whatever the address', () => {
    expect(parseRoute('#/campaigns/c1/monitor', false)).toEqual({ view: 'login' });
  });

  it('name the list, the new-campaign form and a campaign tab', () => {
    expect(parseRoute('', true)).toEqual({ view: 'campaigns' });
    expect(parseRoute('#/campaigns', true)).toEqual({ view: 'campaigns' });
    expect(parseRoute('#/campaigns/new', true)).toEqual({ view: 'new' });
    expect(parseRoute('#/password', true)).toEqual({ view: 'password' });
    expect(parseRoute('#/password', false)).toEqual({ view: 'login' });
    expect(parseRoute('#/campaigns/c1/review', true)).toEqual({
      view: 'campaign',
      campaignId: 'c1',
      tab: 'review',
    });
    expect(parseRoute('#/campaigns/c1', true)).toEqual({
      view: 'campaign',
      campaignId: 'c1',
      tab: 'overview',
    });
    expect(parseRoute('#/campaigns/c1/nonsense', true)).toEqual({
      view: 'campaign',
      campaignId: 'c1',
      tab: 'overview',
    });
  });

  it('refuse a campaign id that is no board id, and round-trip the ones that are', () => {
    expect(parseRoute('#/campaigns/..%2F..%2Fapi/monitor', true)).toEqual({ view: 'campaigns' });
    expect(parseRoute(campaignHref('c_1-x', 'audit'), true)).toEqual({
      view: 'campaign',
      campaignId: 'c_1-x',
      tab: 'audit',
    });
  });
});
