import { randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';

/** A sponsor's pledge to match a campaign's counted votes (server/src/matching/). */
export interface DonationMatchDoc {
  /** `dm` + 10 base64url characters. */
  _id: string;
  campaignId: string;
  sponsor: string;
  cause: string;
  perVoteFen: number;
  capFen: number;
  candidateId?: string | undefined;
  createdAt: Date;
  createdBy: string;
}

const matchSchema = new Schema<DonationMatchDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    sponsor: { type: String, required: true },
    cause: { type: String, required: true },
    perVoteFen: { type: Number, required: true },
    capFen: { type: Number, required: true },
    candidateId: { type: String },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { collection: 'donationMatches', versionKey: false },
);
matchSchema.index({ campaignId: 1 });

/** The DonationMatch model on a connection, compiled once per connection. */
export function matchModel(connection: Connection) {
  return connection.models.DonationMatch
    ? connection.model<DonationMatchDoc>('DonationMatch')
    : connection.model<DonationMatchDoc>('DonationMatch', matchSchema);
}
export type MatchModel = ReturnType<typeof matchModel>;

export const newMatchId = (): string => `dm${randomBytes(8).toString('base64url').slice(0, 10)}`;
