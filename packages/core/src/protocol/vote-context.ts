import { z } from 'zod';

/**
 * What ingest records with each vote for risk control, beside the voter: where the request came
 * from and what the mini-program said about the device and the tap. Nothing here decides a vote
 * today; it travels on the queue into the ledger, where risk rules and reviews read it.
 */

/** `X-Device-Id`: the mini-program's per-install id (random, kept in its storage). */
export const deviceIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits and "_.:-"');

/**
 * `X-Device-Fingerprint`: a SHA-256 of device traits the mini-program computes, as 64 hex digits
 * (either case; kept in lower case).
 */
export const deviceFingerprintSchema = z
  .string()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex (64 hex digits)');

/** The longest User-Agent kept; a longer one is cut, not refused. */
export const USER_AGENT_MAX = 512;

/** The `User-Agent` header, cut to USER_AGENT_MAX characters. */
export const userAgentSchema = z.string().overwrite((ua) => ua.slice(0, USER_AGENT_MAX));

/** Milliseconds from the page being shown to the tap that voted: 0 to 24 hours. */
export const dwellMsSchema = z
  .number()
  .int()
  .min(0)
  .max(24 * 3_600_000);

/**
 * A share link's token (`shareToken` in a vote's body): the referral that brought the voter.
 * Only its form is checked at ingest; the referral module says whether it is valid.
 */
export const shareTokenSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "_" and "-"');

/** The client's address as the server saw it (behind trusted proxies: X-Forwarded-For). */
export const clientIpSchema = z.union([z.ipv4(), z.ipv6()]);

/** A vote's risk context, on the queue and in the ledger. */
export const voteContextSchema = z.strictObject({
  ip: clientIpSchema,
  deviceId: deviceIdSchema.optional(),
  fingerprint: deviceFingerprintSchema.optional(),
  dwellMs: dwellMsSchema.optional(),
  userAgent: z.string().max(USER_AGENT_MAX).optional(),
  shareToken: shareTokenSchema.optional(),
});
export type VoteContext = z.infer<typeof voteContextSchema>;
