import { type Connection, Schema } from 'mongoose';

/** A board in the system of record. Redis holds a registration derived from it. */
export interface BoardDoc {
  _id: string;
  title: string;
  kind: 'vote' | 'like';
  members: { candidateId: string; name: string }[];
  createdAt: Date;
  updatedAt: Date;
}

const boardSchema = new Schema<BoardDoc>(
  {
    _id: { type: String, required: true },
    title: { type: String, required: true, maxlength: 200 },
    kind: { type: String, required: true, enum: ['vote', 'like'] },
    members: [
      {
        _id: false,
        candidateId: { type: String, required: true },
        name: { type: String, required: true, maxlength: 200 },
      },
    ],
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
