import { z } from 'zod';

/*
 * What we send to WeChat (validated before a request leaves) and what it answers (validated
 * before anything reads it), after ../shared/wechat-api.md. Our side is camelCase; the wire is
 * WeChat's snake_case, converted in client.ts.
 */

/** A `wx.login()` code as the mini-program sends it: opaque, single-use, valid five minutes. */
export const loginCodeSchema = z.string().min(1).max(128).regex(/^\S+$/, 'must not contain whitespace');

/** getUnlimitedQRCode's `scene`: at most 32 visible characters from WeChat's alphabet (no `%`). */
export const qrSceneSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/, "only 0-9 A-Z a-z and !#$&'()*+,/:;=?@-._~");

const rgb = z.number().int().min(0).max(255);

export const qrCodeParamsSchema = z.object({
  scene: qrSceneSchema,
  /** e.g. `pages/campaign/index`: no leading `/`, no query string. */
  page: z
    .string()
    .regex(/^[^/?][^?]*$/, 'no leading "/" and no query string')
    .optional(),
  checkPath: z.boolean().optional(),
  envVersion: z.enum(['release', 'trial', 'develop']).optional(),
  width: z.number().int().min(280).max(1280).optional(),
  autoColor: z.boolean().optional(),
  lineColor: z.object({ r: rgb, g: rgb, b: rgb }).optional(),
  isHyaline: z.boolean().optional(),
});
export type QRCodeParams = z.input<typeof qrCodeParamsSchema>;

/**
 * The code of a page of the mini-program version `envVersion`, `scene` its query. A trial or
 * develop version may not have the page published: WeChat checks the page only when asked, and
 * release codes must point at a published page.
 */
export function pageCodeParams(
  scene: string,
  page: string,
  envVersion: QRCodeParams['envVersion'],
): QRCodeParams {
  return { scene, page, envVersion, ...(envVersion === 'release' ? {} : { checkPath: false }) };
}

export const msgSecCheckParamsSchema = z.object({
  openid: z.string().min(1),
  /** 1 profile, 2 comment, 3 forum, 4 social log. */
  scene: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  content: z.string().min(1).max(2500),
  title: z.string().optional(),
  nickname: z.string().optional(),
  signature: z.string().optional(),
});
export type MsgSecCheckParams = z.input<typeof msgSecCheckParamsSchema>;

export const mediaCheckParamsSchema = z.object({
  /** A public HTTPS address WeChat can download (not a client's temporary path). */
  mediaUrl: z.url({ protocol: /^https$/ }).max(2048),
  /** 2 image, 1 audio. */
  mediaType: z.union([z.literal(1), z.literal(2)]),
  /** 1 profile, 2 comment, 3 forum, 4 social log. */
  scene: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  openid: z.string().min(1),
});
export type MediaCheckParams = z.input<typeof mediaCheckParamsSchema>;

export const riskRankParamsSchema = z.object({
  openid: z.string().min(1),
  /** 0 registration, 1 marketing fraud (votes). */
  scene: z.union([z.literal(0), z.literal(1)]),
  clientIp: z.string().min(1),
  mobileNo: z.string().optional(),
  emailAddress: z.string().optional(),
  extendedInfo: z.string().optional(),
  isTest: z.boolean().optional(),
});
export type RiskRankParams = z.input<typeof riskRankParamsSchema>;

export const subscribeMessageParamsSchema = z.object({
  touser: z.string().min(1),
  templateId: z.string().min(1),
  page: z.string().optional(),
  data: z.record(z.string(), z.object({ value: z.string() })),
  miniprogramState: z.enum(['developer', 'trial', 'formal']).optional(),
  lang: z.enum(['zh_CN', 'en_US', 'zh_HK', 'zh_TW']).optional(),
});
export type SubscribeMessageParams = z.input<typeof subscribeMessageParamsSchema>;

/** Every JSON answer: `errcode` 0 or absent on success. */
export const errorEnvelopeSchema = z.object({
  errcode: z.number().int().optional(),
  errmsg: z.string().optional(),
});

export const code2SessionResponseSchema = z.object({
  openid: z.string().min(1),
  session_key: z.string().min(1),
  unionid: z.string().min(1).optional(),
});

export const stableTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});

const SEC_CHECK_SUGGESTIONS = ['pass', 'review', 'risky'] as const;

export const msgSecCheckResponseSchema = z.object({
  trace_id: z.string(),
  result: z.object({ suggest: z.enum(SEC_CHECK_SUGGESTIONS), label: z.number().int() }),
  detail: z.array(z.record(z.string(), z.unknown())).optional(),
});

export const mediaCheckResponseSchema = z.object({ trace_id: z.string().min(1) });

export const riskRankResponseSchema = z.object({
  risk_rank: z.number().int().min(0).max(4),
  // Really spelled so. The contract does not say its type: take a string or a number, keep a string.
  unoin_id: z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .optional(),
});
