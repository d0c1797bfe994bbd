import { randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import { LOTTERY_STATUSES, type LotteryTicket, type LotteryWinner } from '../protocol/lotteries.js';

/**
 * A lottery of a campaign (server/src/rewards/lotteries.ts). Its seed stays secret until the draw;
 * its commitment (the seed's SHA-256) is public from the start.
 */
export interface LotteryDoc {
  /** `lt` + 10 base64url characters. */
  _id: string;
  campaignId: string;
  name: string;
  prizes: { name: string; count: number }[];
  perParticipant: number;
  /** 32 bytes, hex: never sent to anyone before the draw. */
  seed: string;
  commitment: string;
  status: (typeof LOTTERY_STATUSES)[number];
  createdAt: Date;
  createdBy: string;
  drawnAt?: Date | undefined;
  drawnBy?: string | undefined;
  /** How many tickets were eligible at the draw (their list: the lotteryTickets chunks). */
  ticketCount?: number | undefined;
  /** The draw attempt whose chunks hold that list. */
  ticketsAttempt?: string | undefined;
  winners?: LotteryWinner[] | undefined;
}

/** A chunk of a drawn lottery's eligible tickets, in ticket order: `_id` is `<lotteryId>:<attempt>:<page>`. */
export interface LotteryTicketChunkDoc {
  _id: string;
  lotteryId: string;
  /** The draw attempt that wrote it: the lottery names the one that landed. */
  attempt: string;
  page: number;
  tickets: LotteryTicket[];
}

const lotterySchema = new Schema<LotteryDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    name: { type: String, required: true },
    prizes: {
      type: [new Schema({ name: String, count: Number }, { _id: false })],
      required: true,
    },
    perParticipant: { type: Number, required: true },
    seed: { type: String, required: true },
    commitment: { type: String, required: true },
    status: { type: String, required: true, enum: LOTTERY_STATUSES },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
    drawnAt: { type: Date },
    drawnBy: { type: String },
    ticketCount: { type: Number },
    ticketsAttempt: { type: String },
    winners: {
      type: [new Schema({ prize: String, ticket: String, holder: String, score: String }, { _id: false })],
      default: undefined,
    },
  },
  { collection: 'lotteries', versionKey: false },
);
lotterySchema.index({ campaignId: 1 });

const chunkSchema = new Schema<LotteryTicketChunkDoc>(
  {
    _id: { type: String, required: true },
    lotteryId: { type: String, required: true },
    attempt: { type: String, required: true },
    page: { type: Number, required: true },
    tickets: { type: [new Schema({ ticket: String, holder: String }, { _id: false })], required: true },
  },
  { collection: 'lotteryTickets', versionKey: false },
);
chunkSchema.index({ lotteryId: 1 });

/** The lottery models on a connection, compiled once per connection. */
export function lotteryModels(connection: Connection) {
  const model = <T>(name: string, schema: Schema<T>) =>
    connection.models[name] ? connection.model<T>(name) : connection.model<T>(name, schema);
  return { lotteries: model('Lottery', lotterySchema), lotteryTickets: model('LotteryTickets', chunkSchema) };
}

export const newLotteryId = (): string => `lt${randomBytes(8).toString('base64url').slice(0, 10)}`;
