/**
 * The one builder for every Redis key and channel name. Nothing else writes a key inline.
 *
 * Board keys carry the board id as a Redis Cluster hash tag, `{prefix}:{boardId}:…`, so every
 * key one Lua script touches lives in the same slot. The queue's keys are tagged by the
 * prefix as a whole, as BullMQ recommends for clusters.
 */
export interface BoardKeys {
  /** Hash: the board's registration (title, kind). Its existence is the board's existence. */
  readonly meta: string;
  /** Set: the registered candidate ids. */
  readonly members: string;
  /** Sorted set: candidate id → score. */
  readonly scores: string;
  /** String counter: incremented once per applied change; the board's sequence number. */
  readonly seq: string;
  /** String: marks a vote id as applied, so a re-delivered job cannot count twice. */
  vote(voteId: string): string;
}

export interface KeyBuilder {
  readonly prefix: string;
  board(boardId: string): BoardKeys;
  /** Channel on which workers publish a board's changes. */
  boardChanges(boardId: string): string;
  /** Pattern that matches every board's change channel, for the relay's PSUBSCRIBE. */
  readonly boardChangesPattern: string;
  /** Extracts the board id from a change channel name, or undefined for a foreign channel. */
  boardIdFromChannel(channel: string): string | undefined;
  /** The BullMQ `prefix` option: every queue key is `{prefix}:queueName:…`. */
  readonly queuePrefix: string;
}

/** @param prefix the deployment's key prefix (config `keyPrefix`) */
export function createKeys(prefix: string): KeyBuilder {
  const changesHead = `${prefix}:changes:`;
  return {
    prefix,
    board(boardId) {
      const base = `${prefix}:{${boardId}}`;
      return {
        meta: `${base}:meta`,
        members: `${base}:members`,
        scores: `${base}:scores`,
        seq: `${base}:seq`,
        vote: (voteId) => `${base}:vote:${voteId}`,
      };
    },
    boardChanges: (boardId) => `${changesHead}${boardId}`,
    boardChangesPattern: `${changesHead}*`,
    boardIdFromChannel: (channel) =>
      channel.startsWith(changesHead) && channel.length > changesHead.length
        ? channel.slice(changesHead.length)
        : undefined,
    queuePrefix: `{${prefix}}`,
  };
}
