import {
  errorEnvelopeSchema,
  type SubscribeMessageParams,
  subscribeMessageParamsSchema,
} from '../schemas.js';
import { validated, type WeChatTransport } from '../transport.js';

/** subscribeMessage.send: a message the user subscribed to; success is an errcode of 0 and nothing else. */
export async function sendSubscribeMessage(
  transport: WeChatTransport,
  accessToken: string,
  params: SubscribeMessageParams,
): Promise<void> {
  const p = validated(subscribeMessageParamsSchema, params);
  const answer = await transport.send(
    'sendSubscribeMessage',
    '/cgi-bin/message/subscribe/send',
    { access_token: accessToken },
    {
      touser: p.touser,
      template_id: p.templateId,
      data: p.data,
      page: p.page,
      miniprogram_state: p.miniprogramState,
      lang: p.lang,
    },
  );
  transport.readJson('sendSubscribeMessage', errorEnvelopeSchema, answer);
}
