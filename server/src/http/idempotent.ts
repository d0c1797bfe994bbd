import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '@rallyboard/core/protocol';
import { type KeyBuilder, type RedisClient, runScript } from '@rallyboard/core/redis';

/** How long an answer is kept for a key: a client's retries come within it. */
const DONE_TTL_SECONDS = 86_400;
/**
 * How long a request holds its key while it runs. A process that dies mid-request frees the key
 * within this; a request still running past it is left to finish, and a retry then runs again.
 */
const PENDING_TTL_SECONDS = 120;

/** An answer kept for a key. */
export interface KeptAnswer {
  status: number;
  body: unknown;
}

/** What the record of a key says: pending, with its claimer's id; or the answer kept. */
type Record_ =
  | { state: 'pending'; fingerprint: string; id: string }
  | ({ state: 'done'; fingerprint: string } & KeptAnswer);

/** A key this request holds while it runs: only its holder settles it. */
export interface Claimed {
  key: string;
  /** The pending record as this request wrote it (its own id in it). */
  pending: string;
  fingerprint: string;
}

/** What a request with a key does: run (it holds the key), or answer what the first one answered. */
export type Claim = { run: true; claimed: Claimed } | { run: false; answer: KeptAnswer };

/**
 * Create requests sent with an `Idempotency-Key` (a host's form sent again after no answer, an
 * API client's retry): the first runs, and one with the same key, from the same caller to the same
 * route with the same body, gets the first's answer without running again, for a day. One with
 * the same key while the first still runs answers IDEMPOTENCY_KEY_IN_USE; with another body,
 * IDEMPOTENCY_KEY_REUSED. Only a success is kept: a refusal or a failure frees the key, so the
 * request sent again is decided again. A request settles its key only while it still holds it
 * (settleClaim-1.lua, releaseLock-1.lua): one that outlived its hold cannot free or overwrite a retry's.
 */
export interface IdempotentRequests {
  claim(scope: string, key: string, body: unknown): Promise<Claim>;
  /** Keeps the answer of a claimed request that succeeded. */
  complete(claimed: Claimed, answer: KeptAnswer): Promise<void>;
  /** Frees the key of a claimed request that did not succeed. */
  release(claimed: Claimed): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** @param deps.pendingTtlSeconds how long a claim holds its key @default PENDING_TTL_SECONDS */
export function createIdempotentRequests(deps: {
  redis: RedisClient;
  keys: KeyBuilder;
  pendingTtlSeconds?: number;
}): IdempotentRequests {
  const pendingTtl = deps.pendingTtlSeconds ?? PENDING_TTL_SECONDS;
  const keyOf = (scope: string, key: string) => deps.keys.idempotentRequest(sha256(`${scope}\n${key}`));
  const fingerprintOf = (body: unknown) => sha256(JSON.stringify(body ?? null));
  return {
    async claim(scope, key, body) {
      const redisKey = keyOf(scope, key);
      const fingerprint = fingerprintOf(body);
      const pending = JSON.stringify({ state: 'pending', fingerprint, id: randomUUID() } satisfies Record_);
      // Twice at most: a key freed between the two commands (the first failed) is claimed again.
      for (let attempt = 0; attempt < 2; attempt++) {
        const set = await deps.redis.set(redisKey, pending, 'EX', pendingTtl, 'NX');
        if (set === 'OK') return { run: true, claimed: { key: redisKey, pending, fingerprint } };
        const text = await deps.redis.get(redisKey);
        if (text === null) continue;
        const record = JSON.parse(text) as Record_;
        if (record.fingerprint !== fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED');
        if (record.state === 'pending') break;
        return { run: false, answer: { status: record.status, body: record.body } };
      }
      throw new AppError('IDEMPOTENCY_KEY_IN_USE');
    },
    async complete(claimed, answer) {
      const done = JSON.stringify({
        state: 'done',
        fingerprint: claimed.fingerprint,
        ...answer,
      } satisfies Record_);
      await runScript(deps.redis, 'settleClaim', [claimed.key], [claimed.pending, done, DONE_TTL_SECONDS]);
    },
    async release(claimed) {
      // A lock's release: only while this request still holds the key.
      await runScript(deps.redis, 'releaseLock', [claimed.key], [claimed.pending]);
    },
  };
}
