import { createHash } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import { isDuplicateKey } from './duplicate-key.js';

/**
 * A participant: one WeChat user of one mini-program, known by the openid WeChat gives us at
 * login. The openid is never sent to clients and never accepted from them; clients know the
 * participant by its id.
 */
export interface ParticipantDoc {
  /** `p` + 22 base64url characters of SHA-256(appId, openid): see participantIdOf. */
  _id: string;
  /** The mini-program's AppID the openid belongs to. */
  appId: string;
  openid: string;
  /** Only when the mini-program is bound to an Open Platform account. */
  unionid?: string | undefined;
  firstSeenAt: Date;
  lastLoginAt: Date;
}

const participantSchema = new Schema<ParticipantDoc>(
  {
    _id: { type: String, required: true },
    appId: { type: String, required: true },
    openid: { type: String, required: true },
    unionid: { type: String },
    firstSeenAt: { type: Date, required: true },
    lastLoginAt: { type: Date, required: true },
  },
  { collection: 'participants', versionKey: false },
);

/** The Participant model on a connection, compiled once per connection. */
export function participantModel(connection: Connection) {
  return connection.models.Participant
    ? connection.model<ParticipantDoc>('Participant')
    : connection.model<ParticipantDoc>('Participant', participantSchema);
}
export type ParticipantModel = ReturnType<typeof participantModel>;

/**
 * The participant id of a WeChat user: deterministic, so a login needs no lookup by openid and
 * two racing first logins of one user upsert the same `_id` instead of creating two participants.
 */
export function participantIdOf(appId: string, openid: string): string {
  return `p${createHash('sha256').update(`${appId}\n${openid}`).digest('base64url').slice(0, 22)}`;
}

/**
 * Records a login: creates the participant on its first, else updates `lastLoginAt` (and the
 * unionid, which WeChat may give later). Two racing first logins both upsert by `_id`; the one
 * that loses the insert gets a duplicate-key error and updates instead.
 */
export async function recordLogin(
  model: ParticipantModel,
  identity: { appId: string; openid: string; unionid?: string | undefined },
  now: Date = new Date(),
): Promise<ParticipantDoc> {
  const _id = participantIdOf(identity.appId, identity.openid);
  const update = {
    $set: { lastLoginAt: now, ...(identity.unionid === undefined ? {} : { unionid: identity.unionid }) },
    $setOnInsert: { appId: identity.appId, openid: identity.openid, firstSeenAt: now },
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const doc = await model
        .findOneAndUpdate({ _id }, update, { upsert: true, returnDocument: 'after' })
        .lean();
      if (!doc) throw new Error(`participant ${_id} was not written`);
      return doc;
    } catch (error) {
      if (attempt === 1 && isDuplicateKey(error)) continue;
      throw error;
    }
  }
}
