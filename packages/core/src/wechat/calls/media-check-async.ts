import { type MediaCheckParams, mediaCheckParamsSchema, mediaCheckResponseSchema } from '../schemas.js';
import { validated, type WeChatTransport } from '../transport.js';

/**
 * security.mediaCheckAsync, version 2: asks WeChat to check an image (or audio) at a public HTTPS
 * address. The verdict comes later, by message push (`wxa_media_check`, server/src/wechat-push/):
 * keep the trace id to match it.
 */
export async function mediaCheckAsync(
  transport: WeChatTransport,
  accessToken: string,
  params: MediaCheckParams,
): Promise<{ traceId: string }> {
  const p = validated(mediaCheckParamsSchema, params);
  const answer = await transport.send(
    'mediaCheckAsync',
    '/wxa/media_check_async',
    { access_token: accessToken },
    { media_url: p.mediaUrl, media_type: p.mediaType, version: 2, scene: p.scene, openid: p.openid },
  );
  return { traceId: transport.readJson('mediaCheckAsync', mediaCheckResponseSchema, answer).trace_id };
}
