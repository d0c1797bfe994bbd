import { type QRCodeParams, qrCodeParamsSchema } from '../schemas.js';
import { type ImageAnswer, validated, type WeChatTransport } from '../transport.js';

/** A mini-program code, as WeChat drew it. */
export interface QRCodeImage extends ImageAnswer {}

/** wxacode.getUnlimited: a mini-program code for a page, as many as needed, `scene` its query. */
export async function getUnlimitedQRCode(
  transport: WeChatTransport,
  accessToken: string,
  params: QRCodeParams,
): Promise<QRCodeImage> {
  const p = validated(qrCodeParamsSchema, params);
  const answer = await transport.send(
    'getUnlimitedQRCode',
    '/wxa/getwxacodeunlimit',
    { access_token: accessToken },
    {
      scene: p.scene,
      page: p.page,
      check_path: p.checkPath,
      env_version: p.envVersion,
      width: p.width,
      auto_color: p.autoColor,
      line_color: p.lineColor,
      is_hyaline: p.isHyaline,
    },
  );
  return transport.readImage('getUnlimitedQRCode', answer);
}
