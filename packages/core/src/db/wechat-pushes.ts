import { type Connection, Schema } from 'mongoose';
import { isDuplicateKey } from './duplicate-key.js';

/**
 * What WeChat's message push (消息推送) brought: each push once (WeChat repeats a push it thinks
 * went unanswered), and the verdicts of asynchronous image checks (mediaCheckAsync), by trace id.
 */

/** A push taken: its key is its trace id, or its sender, time and event (see pushKeyOf). */
export interface WeChatPushDoc {
  _id: string;
  event: string;
  receivedAt: Date;
}

/** An image check's verdict: `pass`, `review` (a host decides) or `risky` (never shown). */
export interface MediaCheckDoc {
  /** The trace id mediaCheckAsync answered. */
  _id: string;
  openid: string;
  suggest: 'pass' | 'review' | 'risky';
  label: number;
  checkedAt: Date;
}

const pushSchema = new Schema<WeChatPushDoc>(
  {
    _id: { type: String, required: true },
    event: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { collection: 'wechatPushes', versionKey: false },
);

const mediaCheckSchema = new Schema<MediaCheckDoc>(
  {
    _id: { type: String, required: true },
    openid: { type: String, required: true },
    suggest: { type: String, required: true },
    label: { type: Number, required: true },
    checkedAt: { type: Date, required: true },
  },
  { collection: 'mediaChecks', versionKey: false },
);

export function wechatPushModels(connection: Connection) {
  const model = <T>(name: string, schema: Schema<T>) =>
    connection.models[name] ? connection.model<T>(name) : connection.model<T>(name, schema);
  return { pushes: model('WeChatPush', pushSchema), mediaChecks: model('MediaCheck', mediaCheckSchema) };
}
export type WeChatPushModels = ReturnType<typeof wechatPushModels>;

/** A push's identity, as WeChat's docs say to tell repeats: its trace id, else sender, time and event. */
export const pushKeyOf = (push: {
  traceId?: string | undefined;
  from: string;
  createTime: number;
  event: string;
}) => push.traceId ?? `${push.from}|${push.createTime}|${push.event}`;

/**
 * Takes a push once: `new` the first time its key is seen, `seen` for a repeat (handled already).
 * The record is a unique insert, so two deliveries racing are one `new` and one `seen`.
 */
export async function takePush(
  models: WeChatPushModels,
  key: string,
  event: string,
  now = new Date(),
): Promise<'new' | 'seen'> {
  try {
    await models.pushes.create({ _id: key, event, receivedAt: now });
    return 'new';
  } catch (error) {
    if (isDuplicateKey(error)) return 'seen';
    throw error;
  }
}

/** Keeps an image check's verdict (once: the push was taken once). */
export async function recordMediaCheck(models: WeChatPushModels, check: MediaCheckDoc): Promise<void> {
  try {
    await models.mediaChecks.create(check);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}
