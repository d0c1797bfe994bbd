import { randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import type { UnlockRule } from '../protocol/unlocks.js';

/** A content item a like opens (server/src/unlocks/). */
export interface UnlockableDoc {
  /** `ul` + 10 base64url characters. */
  _id: string;
  campaignId: string;
  candidateId: string;
  title: string;
  text?: string | undefined;
  imageUrl?: string | undefined;
  unlock: UnlockRule;
  createdAt: Date;
  createdBy: string;
}

const unlockableSchema = new Schema<UnlockableDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    candidateId: { type: String, required: true },
    title: { type: String, required: true },
    text: { type: String },
    imageUrl: { type: String },
    unlock: { type: new Schema({ kind: String, likes: Number }, { _id: false }), required: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { collection: 'unlockables', versionKey: false },
);
unlockableSchema.index({ campaignId: 1 });

/** The Unlockable model on a connection, compiled once per connection. */
export function unlockableModel(connection: Connection) {
  return connection.models.Unlockable
    ? connection.model<UnlockableDoc>('Unlockable')
    : connection.model<UnlockableDoc>('Unlockable', unlockableSchema);
}
export type UnlockableModel = ReturnType<typeof unlockableModel>;

export const newUnlockableId = (): string => `ul${randomBytes(8).toString('base64url').slice(0, 10)}`;
