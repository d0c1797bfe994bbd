import { randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import { AppError } from '../protocol/errors.js';
import { HOST_ROLES, type HostRole } from '../protocol/hosts.js';
import { isDuplicateKey } from './duplicate-key.js';

/** A host account: who may sign in to the console and run campaigns. */
export interface HostDoc {
  /** `h` + 12 base64url characters: see newHostId. */
  _id: string;
  /** Unique, in lower case. */
  username: string;
  /** `scrypt$N$r$p$salt$hash` (server/src/auth/passwords.ts); never leaves the server. */
  passwordHash: string;
  role: HostRole;
  createdAt: Date;
  /** A disabled host can neither sign in nor use a token it already has. */
  disabled?: boolean | undefined;
  /**
   * The version every host token of the account carries (absent: 0). Raising it revokes every
   * token signed before: logout, a password change, an admin's revocation.
   */
  tokenVersion?: number | undefined;
  /**
   * The WeChat user the host bound (server/src/hosts/wechat-binding.ts): WeChat's content check
   * (msgSecCheck v2) takes the openid of the text's author, so the text the host publishes is
   * checked as this user's. Absent: not bound.
   */
  wechat?: HostWeChat | undefined;
}

/** A host's bound WeChat user: the participant who redeemed the binding code, and their openid. */
export interface HostWeChat {
  openid: string;
  participantId: string;
  boundAt: Date;
}

const hostSchema = new Schema<HostDoc>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true, lowercase: true, trim: true, maxlength: 64 },
    passwordHash: { type: String, required: true },
    role: { type: String, required: true, enum: HOST_ROLES },
    createdAt: { type: Date, required: true },
    disabled: { type: Boolean },
    tokenVersion: { type: Number },
    wechat: {
      type: new Schema<HostWeChat>(
        {
          openid: { type: String, required: true },
          participantId: { type: String, required: true },
          boundAt: { type: Date, required: true },
        },
        { _id: false },
      ),
    },
  },
  { collection: 'hosts', versionKey: false },
);
// The unique index is what keeps two racing creations of one username from both succeeding.
hostSchema.index({ username: 1 }, { unique: true });

/** The Host model on a connection, compiled once per connection. Await `init()` for its index. */
export function hostModel(connection: Connection) {
  return connection.models.Host
    ? connection.model<HostDoc>('Host')
    : connection.model<HostDoc>('Host', hostSchema);
}
export type HostModel = ReturnType<typeof hostModel>;

/** A new host id: random, in the safe id alphabet. */
export const newHostId = (): string => `h${randomBytes(9).toString('base64url')}`;

/**
 * Creates a host account, or throws USERNAME_TAKEN. The username's unique index decides, so two
 * racing creations of one name cannot both succeed.
 */
export async function createHost(
  model: HostModel,
  account: { username: string; passwordHash: string; role: HostRole },
  now: Date = new Date(),
): Promise<HostDoc> {
  await model.init();
  const doc: HostDoc = {
    _id: newHostId(),
    ...account,
    username: account.username.toLowerCase(),
    createdAt: now,
  };
  try {
    await model.create(doc);
  } catch (error) {
    if (isDuplicateKey(error)) {
      throw new AppError('USERNAME_TAKEN', { details: { username: doc.username }, cause: error });
    }
    throw error;
  }
  return doc;
}

/** The account a login checks, by username (lower case), password hash included. */
export const findHostLogin = (mongo: Connection, username: string): Promise<HostDoc | null> =>
  hostModel(mongo).findOne({ username }).lean<HostDoc>().exec();

/** What a host request is checked against: the account's state, without its password hash. */
export type HostStanding = Pick<HostDoc, '_id' | 'username' | 'role' | 'disabled' | 'tokenVersion'>;

/** The account's standing, read on every host request. */
export const findHostStanding = (mongo: Connection, hostId: string): Promise<HostStanding | null> =>
  hostModel(mongo)
    .findById(hostId, { username: 1, role: 1, disabled: 1, tokenVersion: 1 })
    .lean<HostStanding>()
    .exec();

/**
 * Changes an account as an admin may: `disabled`, and `revokeTokens` raises its token version.
 * Answers the account as it was before, or null when there is none.
 */
export async function updateHostAccount(
  mongo: Connection,
  hostId: string,
  change: { disabled?: boolean | undefined; revokeTokens?: boolean | undefined },
): Promise<HostDoc | null> {
  const update: Record<string, Record<string, unknown>> = {};
  if (change.disabled !== undefined) update.$set = { disabled: change.disabled };
  if (change.revokeTokens === true) update.$inc = { tokenVersion: 1 };
  // No projection: FerretDB v1's findAndModify does not take one. Callers never show the hash.
  return hostModel(mongo)
    .findOneAndUpdate({ _id: hostId }, update, { returnDocument: 'before' })
    .lean<HostDoc>()
    .exec();
}

/**
 * Revokes every token of the account: its token version + 1. Answers the new version, or null
 * when the account is gone.
 */
export async function revokeHostTokens(mongo: Connection, hostId: string): Promise<number | null> {
  const after = await hostModel(mongo)
    .findOneAndUpdate({ _id: hostId }, { $inc: { tokenVersion: 1 } }, { returnDocument: 'after' })
    .lean<HostDoc>()
    .exec();
  return after ? (after.tokenVersion ?? 0) : null;
}

/**
 * Sets a new password hash and revokes every token signed before, only while the stored hash is
 * still `currentHash` (the one the current password was checked against): of two racing changes,
 * one wins. Answers the new token version, or null when the hash had changed (or the account is gone).
 */
export async function changeHostPassword(
  mongo: Connection,
  hostId: string,
  currentHash: string,
  passwordHash: string,
): Promise<number | null> {
  const after = await hostModel(mongo)
    .findOneAndUpdate(
      { _id: hostId, passwordHash: currentHash },
      { $set: { passwordHash }, $inc: { tokenVersion: 1 } },
      { returnDocument: 'after' },
    )
    .lean<HostDoc>()
    .exec();
  return after ? (after.tokenVersion ?? 0) : null;
}

/** An account by id, password hash included: a password change checks the current one. */
export const findHostCredentials = (mongo: Connection, hostId: string): Promise<HostDoc | null> =>
  hostModel(mongo).findById(hostId).lean<HostDoc>().exec();

/** The host's bound WeChat user, or undefined; null when the account is gone. */
export async function findHostWeChat(
  mongo: Connection,
  hostId: string,
): Promise<HostWeChat | undefined | null> {
  const host = await hostModel(mongo).findById(hostId, { wechat: 1 }).lean<Pick<HostDoc, 'wechat'>>().exec();
  return host ? host.wechat : null;
}

/**
 * Binds a WeChat user to the host, or unbinds it (`undefined`). Answers the binding it replaced
 * (undefined when there was none), or null when the account is gone.
 */
export async function setHostWeChat(
  mongo: Connection,
  hostId: string,
  wechat: HostWeChat | undefined,
): Promise<HostWeChat | undefined | null> {
  const update = wechat === undefined ? { $unset: { wechat: 1 } } : { $set: { wechat } };
  const before = await hostModel(mongo)
    .findOneAndUpdate({ _id: hostId }, update, { returnDocument: 'before' })
    .lean<HostDoc>()
    .exec();
  return before ? before.wechat : null;
}
