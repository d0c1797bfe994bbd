import type { Config, Env } from '@rallyboard/core/config';
import type { Logger } from '@rallyboard/core/logger';
import { pushSignature } from '@rallyboard/core/wechat';
import { pino } from 'pino';
import {
  startWeChatFake,
  type WeChatFake,
  type WeChatFakeOptions,
} from '../../scripts/wechat-fake/server.js';
import { testConfig } from './config.js';

export { ANY_PATH, FAKE_PATHS, type WeChatFake } from '../../scripts/wechat-fake/server.js';

/** The fake WeChat on port 0. */
export function startFake(options: WeChatFakeOptions = {}): Promise<WeChatFake> {
  return startWeChatFake(options);
}

/** The subscribe-message templates of the tests' deployment (WECHAT_TEMPLATES). */
export const TEST_TEMPLATES = {
  'campaign-started': {
    templateId: 'tmpl-start-0001',
    page: 'pages/campaign/index?campaignId={campaignId}',
    data: { thing1: 'campaignTitle', time2: 'startAt', time3: 'endAt' },
  },
  'results-final': {
    templateId: 'tmpl-result-001',
    page: 'pages/ranking/index?campaignId={campaignId}',
    data: { thing1: 'campaignTitle', thing2: 'winnerName', number3: 'winnerScore', time4: 'endAt' },
  },
  'entry-reviewed': {
    templateId: 'tmpl-review-001',
    page: 'pages/my-entries/index?campaignId={campaignId}',
    data: { thing1: 'entryTitle', phrase2: 'result', thing3: 'reason', time4: 'reviewedAt' },
  },
  'suggestion-progress': {
    templateId: 'tmpl-progress-01',
    page: 'pages/suggestion/index?campaignId={campaignId}&entryId={entryId}',
    data: { thing1: 'suggestionTitle', phrase2: 'status', thing3: 'reply', time4: 'movedAt' },
  },
} as const;

/**
 * The message-push URL's Token of the tests' deployment (plain mode), and the EncodingAESKey a
 * test sets (`WECHAT_PUSH_AES_KEY`) for safe mode.
 */
export const TEST_PUSH = {
  token: 'rallyboardPushToken1',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
} as const;

/** A test config (own key prefix) pointed at the fake with its credentials, TEST_TEMPLATES and TEST_PUSH's Token. */
export function configFor(fake: WeChatFake, overrides: Env = {}): Config {
  return testConfig({
    WECHAT_API_BASE: fake.url,
    WECHAT_APP_ID: fake.state.appId,
    WECHAT_APP_SECRET: fake.state.appSecret,
    WECHAT_TIMEOUT_MS: '2000',
    WECHAT_TEMPLATES: JSON.stringify(TEST_TEMPLATES),
    WECHAT_PUSH_TOKEN: TEST_PUSH.token,
    ...overrides,
  });
}

/** A pino logger at trace level writing into `lines`, to look for what must never be logged. */
export function captureLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

/** Awaits a promise expected to reject and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The query WeChat signs a push with, for our Token, now. */
export function signedPushQuery(token: string = TEST_PUSH.token, at = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(at / 1000));
  const nonce = `n${Math.floor(Math.random() * 1e9)}`;
  return { signature: pushSignature([token, timestamp, nonce]), timestamp, nonce };
}
