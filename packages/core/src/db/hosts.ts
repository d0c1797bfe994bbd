import { randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import { AppError } from '../protocol/errors.js';
import { HOST_ROLES, type HostRole } from '../protocol/hosts.js';

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
}

const hostSchema = new Schema<HostDoc>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true, lowercase: true, trim: true, maxlength: 64 },
    passwordHash: { type: String, required: true },
    role: { type: String, required: true, enum: HOST_ROLES },
    createdAt: { type: Date, required: true },
    disabled: { type: Boolean },
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

const DUPLICATE_KEY = 11000;

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
    if (Reflect.get(Object(error), 'code') === DUPLICATE_KEY) {
      throw new AppError('USERNAME_TAKEN', { details: { username: doc.username }, cause: error });
    }
    throw error;
  }
  return doc;
}
