import { z } from 'zod';

/**
 * A participant's id: `p` and 22 base64url characters of SHA-256(appId, openid), so one WeChat
 * user of one mini-program is always the same participant. The openid itself never leaves the
 * server.
 */
export const participantIdSchema = z.string().regex(/^p[A-Za-z0-9_-]{22}$/, 'is not a participant id');
export type ParticipantId = z.infer<typeof participantIdSchema>;

/** Body of `POST /api/auth/wechat`: the code `wx.login()` gave the mini-program (single use). */
export const wechatLoginBodySchema = z.strictObject({
  code: z.string().min(1).max(128).regex(/^\S+$/, 'must not contain whitespace'),
});
export type WeChatLoginBody = z.infer<typeof wechatLoginBodySchema>;

/**
 * A refresh token: opaque, 32 random bytes in base64url. Any other string of that alphabet is
 * simply not a valid token (REFRESH_TOKEN_INVALID), not a malformed request.
 */
export const refreshTokenSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "_" and "-"');

/** Body of `POST /api/auth/refresh` and `POST /api/auth/logout`. */
export const refreshBodySchema = z.strictObject({ refreshToken: refreshTokenSchema });
export type RefreshBody = z.infer<typeof refreshBodySchema>;

/**
 * A participant token (`Authorization: Bearer <token>`, short-lived) and the refresh token that
 * gets the next pair. A refresh token works once: refreshing answers a new pair and retires it.
 */
export const tokenPairSchema = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  refreshToken: refreshTokenSchema,
  refreshExpiresAt: z.iso.datetime(),
});
export type TokenPair = z.infer<typeof tokenPairSchema>;

/** The answer to a WeChat login: a token pair and who the participant is. */
export const participantLoginSchema = tokenPairSchema.extend({
  participant: z.object({
    id: participantIdSchema,
    /** When this participant first signed in. */
    firstSeenAt: z.iso.datetime(),
  }),
});
export type ParticipantLogin = z.infer<typeof participantLoginSchema>;
