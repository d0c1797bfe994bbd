// `npm run wechat-fake [-- --port 3900]`: a local WeChat server API for the demo, following
// ../shared/wechat-api.md. Point the server at it with WECHAT_API_BASE and the same AppID/AppSecret.
import { loadConfig } from '@rallyboard/core/config';
import { startWeChatFake } from './server.js';

const DEFAULT_PORT = 3900;
const FAKE_APP_ID = 'wxfake00000000000';
const FAKE_APP_SECRET = 'fake-app-secret';

const config = loadConfig();

/** `--port N`; else the port of a local WECHAT_API_BASE, so the configured server finds us; else 3900. */
function choosePort(): number {
  const flag = process.argv.indexOf('--port');
  if (flag !== -1) {
    const port = Number(process.argv[flag + 1]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port takes a port number');
    return port;
  }
  const base = new URL(config.wechat.apiBase);
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname);
  return local && base.port !== '' ? Number(base.port) : DEFAULT_PORT;
}

const appId = config.wechat.appId ?? FAKE_APP_ID;
const appSecret = config.wechat.appSecret ?? FAKE_APP_SECRET;
const fake = await startWeChatFake({ port: choosePort(), appId, appSecret });

// A secret from the environment is never printed; the fake's own default is public anyway.
const secretShown = config.wechat.appSecret === undefined ? FAKE_APP_SECRET : '<your WECHAT_APP_SECRET>';
console.log(`WeChat fake listening on ${fake.url}
Point the server and workers at it:
  WECHAT_API_BASE=${fake.url} WECHAT_APP_ID=${appId} WECHAT_APP_SECRET=${secretShown}
Login codes: "ok-<user>" (single use; "ok-<user>.<n>" for more) logs in as openid "o-<user>".
Controls: POST ${fake.url}/__fake/<control> with a JSON object, e.g.
  curl -X POST ${fake.url}/__fake/failNext -H 'content-type: application/json' -d '{"path":"*","errcode":-1,"times":3}'
  (issueCode, blockUser, expireTokens, revokeTokens, failNext, delayNext, garbleNext, setRiskRank,
   blockWord, acceptSubscription, setMediaVerdict, setPush, configure, resetCalls; GET ${fake.url}/__fake/calls for the counts,
   GET ${fake.url}/__fake/sent for the subscribe messages delivered)`);

const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
