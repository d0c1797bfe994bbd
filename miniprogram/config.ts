/**
 * Where the Rallyboard server is. In WeChat DevTools, for a local server, turn on
 * "不校验合法域名" (skip domain checks); a released build needs HTTPS and WSS domains you own,
 * listed as request and socket domains in the mini-program's settings.
 */
export const settings = {
  /** The server's base URL; socket.io is served from the same origin. */
  apiBase: 'http://127.0.0.1:3000',
  /** The server's LEADERBOARD_TOP_N: how many entries its live pushes cover. */
  rankTopN: 10,
  /**
   * Only for a local server whose WeChat is the fake (`npm run wechat-fake`): sign in as this fake
   * user (`ok-<name>.<n>` codes) instead of with wx.login's code, which only real WeChat can
   * check. Leave it '' for a server with a real AppID.
   */
  devLoginAs: '',
};

/** Points the mini-program at another server (tests, or a build for another environment). */
export function configure(changes: Partial<typeof settings>): void {
  Object.assign(settings, changes);
}

/**
 * A build published through a third-party platform carries its settings in ext.json's `ext`
 * (`{ "apiBase": "https://…", "rankTopN": 10 }`): they win over the defaults. Only the two
 * settings a deployment names are taken, and only of the right type.
 */
function applyExtConfig(ext: unknown): void {
  if (typeof ext !== 'object' || ext === null) return;
  const { apiBase, rankTopN } = ext as Record<string, unknown>;
  if (typeof apiBase === 'string' && /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(apiBase))
    settings.apiBase = apiBase;
  if (typeof rankTopN === 'number' && Number.isInteger(rankTopN) && rankTopN > 0)
    settings.rankTopN = rankTopN;
}

if (typeof wx !== 'undefined' && typeof wx.getExtConfigSync === 'function') {
  try {
    applyExtConfig(wx.getExtConfigSync());
  } catch {
    // No ext.json: the defaults stand. (A build's --api settings are applied after this block.)
  }
}
