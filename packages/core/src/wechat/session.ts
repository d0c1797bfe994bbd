import { inspect } from 'node:util';

/**
 * What code2Session answers: who the user is, and the session key WeChat shares with our server.
 *
 * The session key must never leave the server nor reach a log, so it is not a property: it lives in
 * a private field that JSON.stringify, pino, spreading, `Object.keys` and `util.inspect` cannot
 * see, and only `revealSessionKey()` returns it: a call that stands out in review. Login code
 * passes `openid` / `unionid` on and drops the session.
 */
export class WeChatSession {
  readonly openid: string;
  /** Only when the mini-program is bound to an Open Platform account. */
  readonly unionid: string | undefined;
  readonly #sessionKey: string;

  constructor(openid: string, unionid: string | undefined, sessionKey: string) {
    this.openid = openid;
    this.unionid = unionid;
    this.#sessionKey = sessionKey;
  }

  /**
   * The key that decrypts data the mini-program gets from WeChat (e.g. a phone number). Use it on
   * the spot; never store it where a log, an answer or a token could pick it up.
   */
  revealSessionKey(): string {
    return this.#sessionKey;
  }

  /** The identity only: what JSON.stringify and pino write. */
  toJSON(): { openid: string; unionid?: string } {
    return { openid: this.openid, ...(this.unionid === undefined ? {} : { unionid: this.unionid }) };
  }

  [inspect.custom](): string {
    return `WeChatSession ${JSON.stringify(this.toJSON())}`;
  }
}
