import { createHash } from 'node:crypto';
import type { Config } from '@rallyboard/core/config';
import { pushKeyOf, recordMediaCheck, takePush, type WeChatPushModels } from '@rallyboard/core/db';
import { AppError } from '@rallyboard/core/protocol';
import { type EntryJob, queueEntryJob } from '@rallyboard/core/queue';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import { openEnvelope, pushSignature, signatureMatches } from '@rallyboard/core/wechat';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { z } from 'zod';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';

const tag = 'WeChat';

/** A push older (or newer) than this is refused: a replay, or a clock far off. */
const MAX_SKEW_SECONDS = 300;

const signedQuery = z.object({
  signature: z.string().regex(/^[0-9a-f]{40}$/),
  timestamp: z.string().regex(/^\d{1,12}$/),
  nonce: z.string().min(1).max(64),
});
const echoQuery = signedQuery.extend({ echostr: z.string().min(1).max(256) });
const pushQuery = signedQuery.extend({
  encrypt_type: z.enum(['aes', 'raw']).optional(),
  msg_signature: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  openid: z.string().max(128).optional(),
});

/** The fields of a push the server reads; the others (WeChat adds more) pass unread. */
const pushMessage = z.looseObject({
  FromUserName: z.string().min(1).max(128),
  CreateTime: z.number().int(),
  MsgType: z.string().max(64),
  Event: z.string().max(64).optional(),
  trace_id: z.string().min(1).max(128).optional(),
  result: z.object({ suggest: z.enum(['pass', 'review', 'risky']), label: z.number().int() }).optional(),
});

/** Safe mode's envelope: the push sealed with the EncodingAESKey. */
const envelope = z.strictObject({
  ToUserName: z.string().max(128),
  Encrypt: z.string().min(1).max(1_000_000),
});

/** The JSON push body: safe mode's envelope, or the push itself. */
const pushBody = z.union([envelope, pushMessage]);

export interface WeChatPushRouteDeps {
  api: Api;
  /** Where each push signature's body is held for its freshness window. */
  redis: RedisClient;
  keys: KeyBuilder;
  pushes: WeChatPushModels;
  /** Where an image's verdict goes on to settle its entry (the workers' entries queue). */
  entryQueue: Queue<EntryJob>;
  config: Pick<Config, 'wechat'>;
  now: () => number;
}

const refused = (why: string) => new AppError('WECHAT_PUSH_REFUSED', { details: { why } });

/**
 * Takes a push's signature for its body (SET NX, kept past the freshness window). The same
 * signature again with the same body is WeChat's retry, and goes on (the push is then taken
 * once); with another body it is a forgery riding a seen signature, and is refused.
 */
async function claimSignature(deps: WeChatPushRouteDeps, signature: string, body: unknown): Promise<void> {
  const key = deps.keys.pushSignature(signature);
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const taken = await deps.redis.set(key, hash, 'EX', 2 * MAX_SKEW_SECONDS, 'NX');
  if (taken !== 'OK' && (await deps.redis.get(key)) !== hash)
    throw refused('signature seen with another body');
}

/**
 * The message-push URL (消息推送, ../shared/wechat-api.md), JSON format: WeChat's check of the
 * URL (GET, `echostr`) and its pushes (POST), plain or in safe mode (安全模式). Every call is
 * signed with our Token (checked in constant time) and must be fresh; a signature carries one
 * body only; with an EncodingAESKey set, only sealed pushes are taken; a repeat of a push is
 * answered as the first was, and acted on once. Today's push is the image checks' verdicts
 * (`wxa_media_check`), kept by trace id and handed to the entries queue.
 */
export function wechatPushRouter(deps: WeChatPushRouteDeps): Router {
  const router = Router();
  const verify = (q: z.infer<typeof signedQuery>): string => {
    const { token } = deps.config.wechat.push;
    if (!token) throw new AppError('WECHAT_NOT_CONFIGURED');
    if (Math.abs(deps.now() / 1000 - Number(q.timestamp)) > MAX_SKEW_SECONDS)
      throw refused('stale timestamp');
    if (!signatureMatches(q.signature, pushSignature([token, q.timestamp, q.nonce])))
      throw refused('signature');
    return token;
  };
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/wechat/push',
      tag,
      summary: "WeChat's check of the message-push URL: answers echostr when the signature is ours",
      auth: 'public',
      query: echoQuery,
      responses: { 200: { description: 'The echostr, as sent.', contentType: 'text/plain' } },
      errors: ['WECHAT_PUSH_REFUSED', 'WECHAT_NOT_CONFIGURED'],
    },
    async ({ query }, _req, res) => {
      verify(query);
      res.type('text/plain').send(query.echostr);
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/wechat/push',
      tag,
      summary: 'A push from WeChat (JSON, plain or safe mode): image-check verdicts',
      description:
        'Signed with the Token (`signature`; in safe mode also `msg_signature` over `Encrypt`, which opens ' +
        'with the EncodingAESKey and must name our AppID), and no more than 5 minutes off. A repeat is ' +
        'answered `success` and changes nothing.',
      auth: 'public',
      query: pushQuery,
      body: pushBody,
      responses: { 200: { description: '`success`, as WeChat expects.', contentType: 'text/plain' } },
      errors: ['WECHAT_PUSH_REFUSED', 'WECHAT_NOT_CONFIGURED'],
    },
    async ({ query, body }, _req, res) => {
      const token = verify(query);
      let message: unknown = body;
      const sealed = 'Encrypt' in body && typeof body.Encrypt === 'string' ? body.Encrypt : undefined;
      const { aesKey } = deps.config.wechat.push;
      // With an EncodingAESKey, only sealed pushes: a plain one carries no proof of its body.
      if (aesKey || query.encrypt_type === 'aes' || sealed !== undefined) {
        if (!aesKey || sealed === undefined || query.msg_signature === undefined) throw refused('safe mode');
        if (!deps.config.wechat.appId) throw new AppError('WECHAT_NOT_CONFIGURED');
        const expected = pushSignature([token, query.timestamp, query.nonce, sealed]);
        if (!signatureMatches(query.msg_signature, expected)) throw refused('msg_signature');
        const opened = openEnvelope(sealed, aesKey);
        if (!opened || opened.appId !== deps.config.wechat.appId) throw refused('envelope');
        try {
          message = JSON.parse(opened.message);
        } catch {
          throw refused('envelope');
        }
      }
      const push = pushMessage.safeParse(message);
      if (!push.success)
        throw new AppError('INVALID_INPUT', { details: [{ path: 'body', message: 'not a push' }] });
      // In plain mode the signature covers no body: one signature carries one body only, for its
      // freshness window (a refused push claims nothing).
      await whenAvailable(() => claimSignature(deps, query.signature, message));
      const p = push.data;
      if (p.Event === 'wxa_media_check' && p.trace_id && p.result) {
        const check = {
          _id: p.trace_id,
          openid: p.FromUserName,
          ...p.result,
          checkedAt: new Date(deps.now()),
        };
        // Acted on before it is marked taken: a failure here leaves WeChat to push it again.
        await whenAvailable(() => recordMediaCheck(deps.pushes, check));
        await whenAvailable(() => queueEntryJob(deps.entryQueue, { kind: 'verdict', traceId: check._id }));
      }
      const key = pushKeyOf({
        traceId: p.trace_id,
        from: p.FromUserName,
        createTime: p.CreateTime,
        event: p.Event ?? p.MsgType,
      });
      await whenAvailable(() => takePush(deps.pushes, key, p.Event ?? p.MsgType));
      res.type('text/plain').send('success');
    },
  );
  return router;
}
