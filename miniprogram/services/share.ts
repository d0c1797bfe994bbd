/**
 * What each page shares, to a chat (onShareAppMessage) and to Moments (onShareTimeline). Sharing
 * only invites someone to look: no title promises anything for it, and nothing is ever rewarded
 * for a share (WeChat forbids 利诱分享).
 */

/** Offers both ways to share on the current page (the menu shows only what a page enables). */
export function offerSharing(): void {
  wx.showShareMenu({ withShareTicket: false, menus: ['shareAppMessage', 'shareTimeline'] });
}

/** A chat card of a page: its title, and the page with its query. */
export const chatCard = (
  title: string,
  page: string,
  query = '',
): WechatMiniprogram.Page.ICustomShareContent => ({
  title,
  path: `/${page}${query ? `?${query}` : ''}`,
});

/** A Moments post of a page: its title, and the query the page opens with. */
export const momentsPost = (title: string, query = ''): WechatMiniprogram.Page.ICustomTimelineContent => ({
  title,
  query,
});
