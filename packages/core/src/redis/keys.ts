import { boardIdSchema } from '../protocol/ids.js';
import { PERIOD_WINDOWS, type PeriodWindow } from '../protocol/periods.js';
import { type HostKeys, hostKeys } from './host-keys.js';
import { type InterestKeys, interestKeys } from './interest-keys.js';
import { type RewardKeys, rewardKeys } from './reward-keys.js';
import { type RiskKeys, riskKeys } from './risk-keys.js';
import type { FrozenKeys, GroupKeys, WindowKeys } from './window-keys.js';

export type { HostKeys } from './host-keys.js';
export type { InterestKeys } from './interest-keys.js';
export type { RewardKeys } from './reward-keys.js';
export type { RiskKeys } from './risk-keys.js';
export {
  type FrozenKeys,
  type GroupKeys,
  type PeriodRef,
  type WindowKeys,
  windowOf,
} from './window-keys.js';

export interface BoardKeys extends WindowKeys {
  /**
   * Hash: the board's registration (title, kind, timezone, dailyRetentionDays). Its existence
   * is the board's existence in Redis.
   */
  readonly meta: string;
  /** String with a TTL: a rebuild's token while it holds the board; no vote applies meanwhile. */
  readonly fence: string;
  /** Set: the registered member ids. */
  readonly members: string;
  /** String counter: incremented once per counted change; the board's sequence number. */
  readonly seq: string;
  /** The public snapshot while the board is frozen. */
  readonly frozen: FrozenKeys;
  /** The window of one day, `YYYY-MM-DD` in the board's timezone: `period('day', date)`. */
  day(date: string): WindowKeys;
  /** The window of one period (a day, a week, a month), named by its first day (periods.ts). Expires after retention. */
  period(window: PeriodWindow, start: string): WindowKeys;
  /** SCAN pattern matching the total key of every period of a window of the board. */
  periodTotalsPattern(window: PeriodWindow): string;
  /** The window and first day of a key matched by a `periodTotalsPattern`, or undefined for any other key. */
  periodOfKey(key: string): { window: PeriodWindow; start: string } | undefined;
  /**
   * Sorted set: the total key of each period window a vote created → when it may expire (unix
   * seconds). A move (setMemberGroup-5+.lua) checks it for a period created after its caller
   * listed the windows.
   */
  readonly periods: string;
  /** Hash: member id → its group's id, for members in a group (setMemberGroup-5+.lua). */
  readonly memberGroups: string;
  /** One group's ranking of its members: scores are the members' own, in every window. */
  group(groupId: string): GroupKeys;
  /** The ranking of the groups by their totals: members are group ids. */
  readonly groups: GroupKeys;
  /** SCAN patterns matching every key of the board's group rankings (their members sets too). */
  readonly groupPatterns: readonly string[];
  /** The window (scores and total) of a key a `groupPatterns` pattern matched; undefined for a members set. */
  groupWindowOfKey(key: string): WindowKeys | undefined;
  /** Set: the voter ids whose like of `memberId` currently stands (like boards). */
  likes(memberId: string): string;
  /** String: a vote id's verdict, so a re-delivered vote cannot count twice. */
  vote(voteId: string): string;
  /**
   * String, expires: a vote sent with an `Idempotency-Key` is on the queue. Ingest writes it once
   * the vote's job is in Redis, so a retry of the key while the vote is still queued is answered
   * as its first send was, without checking or queueing it again.
   */
  accepted(voteId: string): string;
  /**
   * Hash: what a voter has used of the quotas on one day (`*` → the day's votes, member id →
   * that member's). Kept only while the board has quotas; expires two days after its last vote.
   */
  quotaDay(date: string, voterId: string): string;
  /** Hash: voter id → counted votes over the board's life, while the board has a total quota. */
  readonly quotaTotals: string;
  /** SCAN pattern matching every quota key of the board. */
  readonly quotaPattern: string;
  /** Risk control's windows and tallies (assessVotes-5+.lua, risk-store.ts). */
  readonly risk: RiskKeys;
  /**
   * Hash, expires: the votes ingest accepted in one minute (epoch minutes), by second of that
   * minute (`0`–`59`). The console's votes-per-second chart (see ingest-rate.ts).
   */
  ingestRate(minute: number): string;
  /** Hash: the board's dead-lettered vote jobs (failed for good), job id → its votes. */
  readonly deadLetters: string;
}

/**
 * The one builder for every Redis key and channel name. Nothing else writes a key inline.
 *
 * Board keys carry the board id as a Redis Cluster hash tag, `{prefix}:{boardId}:…`, so every
 * key one Lua script touches lives in the same slot. The queue's keys are tagged by the
 * prefix as a whole, as BullMQ recommends for clusters.
 */
export interface KeyBuilder {
  readonly prefix: string;
  board(boardId: string): BoardKeys;
  /** Channel on which workers publish a board's changes. */
  boardChanges(boardId: string): string;
  /** Pattern that matches every board's change channel, for the relay's PSUBSCRIBE. */
  readonly boardChangesPattern: string;
  /** Extracts the board id from a change channel name, or undefined for a foreign channel. */
  boardIdFromChannel(channel: string): string | undefined;
  /** SCAN pattern matching every board's dead-letters hash (see `BoardKeys.deadLetters`). */
  readonly deadLettersPattern: string;
  /** The board id of a key matched by `deadLettersPattern`, or undefined for any other key. */
  boardIdFromDeadLetters(key: string): string | undefined;
  /** The BullMQ `prefix` option: every queue key is `{prefix}:queueName:…`. */
  readonly queuePrefix: string;
  /** The lock that serializes changes to one campaign's lifecycle. */
  campaignLock(campaignId: string): string;
  /** The lock under which an entry moves (its checks' verdicts, its author, its hosts). */
  entryLock(entryId: string): string;
  /** The lock under which a participant's entries to one campaign are counted and added. */
  entrantLock(campaignId: string, userId: string): string;
  /** Rewards' keys (reward-keys.ts): coupon stock, the campaigns with rules, marks, locks. */
  readonly rewards: RewardKeys;
  /** Interests' keys (interest-keys.ts): tags, each participant's interest weights and what they touched. */
  readonly interests: InterestKeys;
  /** Hosts' keys (host-keys.ts): WeChat binding codes, and the content check's kept verdicts. */
  readonly hosts: HostKeys;
  /** String: held while one subscribe message is sent, so a job run twice at once sends it once. */
  notificationLock(sendId: string): string;
  /** String: the body hash a message push's signature came with, for its freshness window. */
  pushSignature(signature: string): string;
  /** The lock review jobs take, a chunk of votes at a time, on one campaign's votes. */
  reviewLock(campaignId: string): string;
  /** Key prefix of one rate limiter (rate-limiter-flexible appends the limited key). */
  rateLimit(scope: string): string;
  /**
   * String with a TTL: the WeChat access token of one app (AppID), shared by every process.
   * It expires a safety margin before WeChat's own expiry.
   */
  wechatAccessToken(appId: string): string;
  /**
   * The lock (SET NX PX with a token) held by the one process that refreshes an app's access
   * token. The AppID is a hash tag of both keys: one MULTI reads the token and the lock.
   */
  wechatAccessTokenLock(appId: string): string;
  /**
   * String with a TTL: the last failed fetch of an app's access token (what WeChat answered, and
   * how many failed in a row). While it holds, no process asks WeChat again (access-token/hold-back.ts).
   */
  wechatAccessTokenFailure(appId: string): string;
  /**
   * String with a TTL: the token the app's last forced refresh (stable_token `force_refresh`)
   * produced, or empty when WeChat refused one; WeChat allows one forced refresh every 30 s.
   */
  wechatAccessTokenForced(appId: string): string;
  /**
   * A participant's refresh token, by the SHA-256 of the token (the token itself is never
   * stored). `live` holds `<family> <participantId>` until the token is used; using it renames
   * `live` to `used` (same slot: the hash is a hash tag), which keeps the TTL, so a second use
   * is seen as a reuse for as long as the token would have lived.
   */
  refreshToken(tokenHash: string): { readonly live: string; readonly used: string };
  /**
   * String with a TTL: a refresh-token family (one login and its rotations) exists while it may
   * be refreshed; deleting it revokes every token of the family.
   */
  refreshFamily(familyId: string): string;
  /**
   * Hash with a TTL: the mini-program code image of a share token (`type` → its content type,
   * `image` → its bytes), so WeChat is asked once per token.
   */
  shareCode(shareToken: string): string;
  /**
   * String with a TTL: a host's create request sent with an `Idempotency-Key`, by the hash of
   * who sent it, where and the key: pending while it runs, then its answer (server/src/http/idempotent.ts).
   */
  idempotentRequest(hash: string): string;
  /** String with a TTL: WeChat's getUserRiskRank of a participant, fetched at login. */
  wechatRiskRank(participantId: string): string;
  /** Channel on which workers publish risk alerts, for the server's host namespace. */
  readonly riskAlerts: string;
  /**
   * Channel on which server and workers publish `{ campaignId }` when what a big screen shows of
   * a campaign changed (its status, its details, the reveal), for every server's screen rooms.
   */
  readonly screenChanges: string;
}

/** The keys of a group board whose keys start with `head`. */
const groupKeys = (head: string): GroupKeys => ({
  members: `${head}:members`,
  scores: `${head}:scores`,
  total: `${head}:total`,
  period: (window, start) => ({
    scores: `${head}:${window}:${start}:scores`,
    total: `${head}:${window}:${start}:total`,
  }),
});

/** @param prefix the deployment's key prefix (config `keyPrefix`) */
export function createKeys(prefix: string): KeyBuilder {
  const changesHead = `${prefix}:changes:`;
  return {
    prefix,
    board(boardId) {
      const base = `${prefix}:{${boardId}}`;
      const periodKeys = (window: PeriodWindow, start: string): WindowKeys => ({
        scores: `${base}:${window}:${start}:scores`,
        total: `${base}:${window}:${start}:total`,
      });
      return {
        meta: `${base}:meta`,
        fence: `${base}:fence`,
        members: `${base}:members`,
        scores: `${base}:scores`,
        total: `${base}:total`,
        seq: `${base}:seq`,
        frozen: {
          scores: `${base}:frozen:scores`,
          total: `${base}:frozen:total`,
          seq: `${base}:frozen:seq`,
          period: (window) => ({
            scores: `${base}:frozen:${window}:scores`,
            total: `${base}:frozen:${window}:total`,
          }),
          none: { scores: `${base}:frozen:none:scores`, total: `${base}:frozen:none:total` },
        },
        day: (date) => periodKeys('day', date),
        period: periodKeys,
        // Braces are not special in SCAN patterns; the board id's alphabet has no glob characters.
        periodTotalsPattern: (window) => `${base}:${window}:*:total`,
        periodOfKey: (key) => {
          if (!key.startsWith(`${base}:`) || !key.endsWith(':total')) return undefined;
          const [window, start, extra] = key.slice(base.length + 1, -':total'.length).split(':');
          const known = PERIOD_WINDOWS.find((w) => w === window);
          if (!known || extra !== undefined || !/^\d{4}-\d{2}-\d{2}$/.test(start ?? '')) return undefined;
          return { window: known, start: start as string };
        },
        periods: `${base}:periods`,
        memberGroups: `${base}:member-groups`,
        group: (groupId) => groupKeys(`${base}:g:${groupId}`),
        groups: groupKeys(`${base}:groups`),
        groupPatterns: [`${base}:g:*`, `${base}:groups:*`],
        groupWindowOfKey: (key) => {
          const head = /^(.*):(?:scores|total)$/.exec(key)?.[1];
          return head === undefined ? undefined : { scores: `${head}:scores`, total: `${head}:total` };
        },
        likes: (memberId) => `${base}:likes:${memberId}`,
        vote: (voteId) => `${base}:vote:${voteId}`,
        accepted: (voteId) => `${base}:accepted:${voteId}`,
        quotaDay: (date, voterId) => `${base}:quota:day:${date}:${voterId}`,
        quotaTotals: `${base}:quota:total`,
        quotaPattern: `${base}:quota:*`,
        risk: riskKeys(base),
        ingestRate: (minute) => `${base}:rate:${minute}`,
        deadLetters: `${base}:dead-letters`,
      };
    },
    boardChanges: (boardId) => `${changesHead}${boardId}`,
    boardChangesPattern: `${changesHead}*`,
    boardIdFromChannel: (channel) =>
      channel.startsWith(changesHead) && channel.length > changesHead.length
        ? channel.slice(changesHead.length)
        : undefined,
    deadLettersPattern: `${prefix}:{*}:dead-letters`,
    boardIdFromDeadLetters: (key) => {
      const head = `${prefix}:{`;
      const tail = '}:dead-letters';
      if (!key.startsWith(head) || !key.endsWith(tail)) return undefined;
      // `*` also matches across `}:`, but a board id never holds a brace, so such a key is not one.
      const boardId = key.slice(head.length, -tail.length);
      return boardIdSchema.safeParse(boardId).success ? boardId : undefined;
    },
    queuePrefix: `{${prefix}}`,
    campaignLock: (campaignId) => `${prefix}:lock:campaign:${campaignId}`,
    entryLock: (entryId) => `${prefix}:lock:entry:${entryId}`,
    entrantLock: (campaignId, userId) => `${prefix}:lock:entrant:${campaignId}:${userId}`,
    rewards: rewardKeys(prefix),
    interests: interestKeys(prefix),
    hosts: hostKeys(prefix),
    notificationLock: (sendId) => `${prefix}:lock:notification:${sendId}`,
    pushSignature: (signature) => `${prefix}:push-signature:${signature}`,
    reviewLock: (campaignId) => `${prefix}:lock:review:${campaignId}`,
    rateLimit: (scope) => `${prefix}:rl:${scope}`,
    wechatAccessToken: (appId) => `${prefix}:wechat:access-token:{${appId}}`,
    wechatAccessTokenLock: (appId) => `${prefix}:lock:wechat-access-token:{${appId}}`,
    wechatAccessTokenFailure: (appId) => `${prefix}:wechat:access-token-failure:{${appId}}`,
    wechatAccessTokenForced: (appId) => `${prefix}:wechat:access-token-forced:{${appId}}`,
    refreshToken: (tokenHash) => ({
      live: `${prefix}:auth:{${tokenHash}}:refresh`,
      used: `${prefix}:auth:{${tokenHash}}:refresh-used`,
    }),
    refreshFamily: (familyId) => `${prefix}:auth:family:${familyId}`,
    shareCode: (shareToken) => `${prefix}:share-code:${shareToken}`,
    idempotentRequest: (hash) => `${prefix}:idem:${hash}`,
    wechatRiskRank: (participantId) => `${prefix}:wechat:risk-rank:${participantId}`,
    riskAlerts: `${prefix}:risk:alerts`,
    screenChanges: `${prefix}:screens`,
  };
}
