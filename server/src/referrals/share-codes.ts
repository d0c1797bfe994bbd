import type { Config } from '@rallyboard/core/config';
import type { Logger } from '@rallyboard/core/logger';
import { AppError, SHARE_PAGE } from '@rallyboard/core/protocol';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import type { QRCodeImage, WeChatApi } from '@rallyboard/core/wechat';
import { pageCodeParams } from '@rallyboard/core/wechat';

/** How long a share token's code image is kept. */
export const SHARE_CODE_TTL_SECONDS = 7 * 86_400;

export interface ShareCodes {
  /**
   * The mini-program code of a share token: from the cache, or made by WeChat once and cached.
   * SHARE_TOKEN_NOT_FOUND for a token never issued; WeChat's refusals as their catalogue codes.
   */
  image(shareToken: string): Promise<QRCodeImage>;
}

export interface ShareCodesDeps {
  config: Pick<Config, 'wechat'>;
  keys: KeyBuilder;
  /** Command connection for the cache. */
  redis: RedisClient;
  wechat: Pick<WeChatApi, 'getUnlimitedQRCode'>;
  /** Whether a share token was issued: only those are worth a call to WeChat. */
  isIssued(shareToken: string): Promise<boolean>;
  logger?: Logger;
  /** @default SHARE_CODE_TTL_SECONDS */
  ttlSeconds?: number;
}

/**
 * Share codes: getUnlimitedQRCode with the token as the `scene` and the candidate page, whose
 * `onLoad` reads the token back with `decodeURIComponent(query.scene)`. A token's code never
 * changes, so it is cached in Redis (WeChat allows 5,000 calls a minute per app, and a poster
 * shown to a crowd asks for the same code many times). Concurrent misses in one process share
 * one call; processes that miss at the same instant may each call once, which costs a call,
 * never a wrong image.
 */
export function createShareCodes(deps: ShareCodesDeps): ShareCodes {
  const { envVersion } = deps.config.wechat;
  const ttlSeconds = deps.ttlSeconds ?? SHARE_CODE_TTL_SECONDS;
  const inFlight = new Map<string, Promise<QRCodeImage>>();

  async function make(shareToken: string): Promise<QRCodeImage> {
    if (!(await deps.isIssued(shareToken))) throw new AppError('SHARE_TOKEN_NOT_FOUND');
    const code = await deps.wechat.getUnlimitedQRCode(pageCodeParams(shareToken, SHARE_PAGE, envVersion));
    const key = deps.keys.shareCode(shareToken);
    try {
      await deps.redis
        .multi()
        .hset(key, { type: code.contentType, image: code.image })
        .expire(key, ttlSeconds)
        .exec();
    } catch (error) {
      // The image is good; the next request will ask WeChat again.
      deps.logger?.warn({ err: error }, 'share code not cached');
    }
    return code;
  }

  return {
    async image(shareToken) {
      const cached = await deps.redis.hgetallBuffer(deps.keys.shareCode(shareToken));
      if (cached.image && cached.type) return { image: cached.image, contentType: cached.type.toString() };
      let pending = inFlight.get(shareToken);
      if (!pending) {
        pending = make(shareToken).finally(() => inFlight.delete(shareToken));
        inFlight.set(shareToken, pending);
      }
      return pending;
    },
  };
}
