import { type Connection, Schema } from 'mongoose';
import { BOARD_KINDS, type BoardKind } from '../protocol/campaigns.js';
import { DEFAULT_TIMEZONE } from '../protocol/day.js';
import { groupIdOf } from '../protocol/groups.js';
import type { BoardQuotas, BoardRegistration } from '../redis/board-registry.js';

/** A board in the system of record. Redis holds a registration derived from it. */
export interface BoardDoc {
  _id: string;
  title: string;
  kind: BoardKind;
  /** IANA timezone of the daily ranking. */
  timezone: string;
  /** The first day of the weekly ranking's week, 1 Monday … 7 Sunday (absent on older boards: Monday). */
  weekStartsOn?: number | undefined;
  /** Days a day's ranking is kept in Redis after the day ends. */
  dailyRetentionDays: number;
  /** `group`: the candidate's group name (absent on older records and for candidates in none). */
  members: { candidateId: string; name: string; group?: string | undefined }[];
  /** Per-voter limits of a vote board (its campaign's rules); none when absent. */
  quotas?: BoardQuotas | undefined;
  /** Its campaign's end: no vote is taken from then on (absent for a board without a campaign, and on older records). */
  endAt?: Date | undefined;
  /**
   * The board's day, in its calendar then, when the archiver last got through all of its ended
   * periods (see archiveEndedPeriods): until the day or the calendar changes, nothing new has ended.
   */
  archivedThrough?: { day: string; timezone: string; weekStartsOn: number } | undefined;
  createdAt: Date;
  updatedAt: Date;
}

const boardSchema = new Schema<BoardDoc>(
  {
    _id: { type: String, required: true },
    title: { type: String, required: true, maxlength: 200 },
    kind: { type: String, required: true, enum: [...BOARD_KINDS] },
    timezone: { type: String, required: true, default: DEFAULT_TIMEZONE },
    weekStartsOn: { type: Number, min: 1, max: 7 },
    dailyRetentionDays: { type: Number, required: true, min: 1, max: 400, default: 8 },
    members: [
      {
        _id: false,
        candidateId: { type: String, required: true },
        name: { type: String, required: true, maxlength: 200 },
        group: { type: String, maxlength: 100 },
      },
    ],
    quotas: {
      _id: false,
      type: {
        perDay: { type: Number, min: 1 },
        perCandidatePerDay: { type: Number, min: 1 },
        total: { type: Number, min: 1 },
      },
    },
    endAt: { type: Date },
    archivedThrough: {
      _id: false,
      type: { day: String, timezone: String, weekStartsOn: Number },
    },
  },
  { collection: 'boards', timestamps: true, versionKey: false },
);

/** The Board model on a connection, compiled once per connection. */
export function boardModel(connection: Connection) {
  return connection.models.Board
    ? connection.model<BoardDoc>('Board')
    : connection.model<BoardDoc>('Board', boardSchema);
}
export type BoardModel = ReturnType<typeof boardModel>;

/** Candidate id → its group's id, for the members of a board record that are in a group. */
export function memberGroupsOf(members: BoardDoc['members']): Map<string, string> {
  return new Map(
    members.flatMap((m) => (m.group === undefined ? [] : [[m.candidateId, groupIdOf(m.group)]])),
  );
}

/** What Redis is told about a board, from its record. */
export function registrationOf(
  board: Pick<
    BoardDoc,
    | '_id'
    | 'title'
    | 'kind'
    | 'timezone'
    | 'weekStartsOn'
    | 'dailyRetentionDays'
    | 'members'
    | 'quotas'
    | 'endAt'
  >,
): BoardRegistration {
  return {
    boardId: board._id,
    title: board.title,
    kind: board.kind,
    timezone: board.timezone,
    weekStartsOn: board.weekStartsOn,
    dailyRetentionDays: board.dailyRetentionDays,
    candidateIds: board.members.map((m) => m.candidateId),
    quotas: board.quotas ?? {},
    groups: memberGroupsOf(board.members),
    endAt: board.endAt ? new Date(board.endAt).getTime() : undefined,
  };
}
