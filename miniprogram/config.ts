/**
 * Where the Rallyboard server is. In WeChat DevTools, for a local server, turn on
 * "不校验合法域名" (skip domain checks); a released build needs an HTTPS domain you own.
 */
export const API_BASE = 'http://127.0.0.1:3000';

/** The board the first page shows: the one `npm start` seeds. */
export const DEFAULT_BOARD_ID = 'demo';
