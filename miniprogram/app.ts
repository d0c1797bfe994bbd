import { currentSession } from './services/auth.js';

/**
 * Signs in silently at launch (wx.login needs no authorisation and shows nothing); a failure
 * here is retried by the first call that needs the session.
 */
App({
  onLaunch() {
    currentSession().catch(() => undefined);
  },
});
