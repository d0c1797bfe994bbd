import {
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import type { TokenSecrets } from '../auth/key-ring.js';

/**
 * Vote ids that name their owner without storing anything: `<body>.<mac>`, where the body is
 * derived from the participant's Idempotency-Key (the same key on the same board always gives
 * the same id, so a retried request cannot count twice) or random, and the mac binds the body to
 * the board and the participant. A participant can then ask about their own vote, even while it
 * is still queued, and no one else can.
 *
 * Across a rotation of the token secret (JWT_SECRET new, the old one in JWT_PREVIOUS_SECRETS), ids
 * are still issued with the oldest secret listed, so a retry sent across the restart names the
 * same vote and is never counted twice, and ids made with any listed secret are owned. The mac is
 * not a credential: ids are looked up whole, so knowing its key lets no one read another's vote.
 */
export interface VoteIds {
  issue(boardId: string, participantId: string, idempotencyKey?: string): string;
  /** True when the id was issued for this board and participant. */
  owns(voteId: string, boardId: string, participantId: string): boolean;
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');
/** A mac of 12 bytes in base64url: 16 characters, no padding. */
const MAC_TEXT = /^[A-Za-z0-9_-]{16}$/;

export function createVoteIds(secrets: TokenSecrets): VoteIds {
  // Keys of their own, derived from the token secrets: a vote id's mac is never a token's.
  const keys = [secrets.jwtSecret, ...(secrets.previousJwtSecrets ?? [])].map((secret) =>
    createSecretKey(createHmac('sha256', secret).update('rallyboard vote ids').digest()),
  );
  const issuing = keys[keys.length - 1] as KeyObject;
  const mac = (key: KeyObject, boardId: string, participantId: string, body: string) =>
    createHmac('sha256', key).update(`${boardId}\n${participantId}\n${body}`).digest().subarray(0, 12);

  return {
    issue(boardId, participantId, idempotencyKey) {
      const body =
        idempotencyKey === undefined
          ? // randomUUID draws from a pre-filled entropy pool: far cheaper per vote than randomBytes.
            `r${randomUUID().replaceAll('-', '')}`
          : `k${b64(createHash('sha256').update(`${boardId}\n${participantId}\n${idempotencyKey}`).digest().subarray(0, 16))}`;
      return `${body}.${b64(mac(issuing, boardId, participantId, body))}`;
    },
    owns(voteId, boardId, participantId) {
      const dot = voteId.lastIndexOf('.');
      // The mac exactly as issue spells it: base64url decoding would take a trailing character
      // more (or padding) as the same bytes, so another id would be owned as this one.
      if (dot <= 0 || !MAC_TEXT.test(voteId.slice(dot + 1))) return false;
      const given = Buffer.from(voteId.slice(dot + 1), 'base64url');
      return keys.some((key) => {
        const expected = mac(key, boardId, participantId, voteId.slice(0, dot));
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
    },
  };
}
