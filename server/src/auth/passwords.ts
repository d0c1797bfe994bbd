import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError } from '@rallyboard/core/protocol';

/**
 * Host passwords, hashed with scrypt (node:crypto): a random 16-byte salt per password and a
 * 32-byte key, stored as `scrypt$N$r$p$salt$hash` (salt and hash in base64url), so the cost can
 * be raised later and old hashes still verify. N = 2^15, r = 8 needs 32 MiB per hash: slow enough
 * to make guessing expensive, and it runs on libuv's thread pool, not the event loop.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Parameters a stored hash may ask for; anything beyond is refused, not computed. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128 · N · r bytes; Node refuses past `maxmem` (32 MiB by default, just short).
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password for storage: `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parse(stored: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const [scheme, n, r, p, salt, key, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || rest.length > 0 || salt === undefined || key === undefined) return undefined;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = Number.isInteger(cost.N) && cost.N > 1 && (cost.N & (cost.N - 1)) === 0;
  if (!powerOfTwo || cost.N > MAX_N) return undefined;
  if (!Number.isInteger(cost.r) || cost.r < 1 || cost.r > MAX_R) return undefined;
  if (!Number.isInteger(cost.p) || cost.p < 1 || cost.p > MAX_P) return undefined;
  const parsed = { ...cost, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
  return parsed.salt.length > 0 && parsed.key.length > 0 ? parsed : undefined;
}

/**
 * Whether `password` is the one `stored` was made from. The comparison takes the same time
 * whichever byte differs (timingSafeEqual). A malformed stored hash matches nothing.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

let decoy: Promise<string> | undefined;

/**
 * Spends the time of verifying a password against a hash of the current cost, and answers false.
 * A login for an unknown username calls it, so that it takes as long as a wrong password and
 * the answer time does not tell which usernames exist.
 */
export async function verifyNothing(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(16).toString('base64url'));
  await verifyPassword(password, await decoy);
  return false;
}

export interface PasswordWorkLimits {
  /** Hashes computed at once: keep it below libuv's thread pool size (4 by default). */
  concurrency: number;
  /** Hashes that may wait for a turn; past that, RATE_LIMITED. */
  queue: number;
}

/** Hashing and checking passwords through one gate (see createPasswordWork). */
export interface PasswordWork {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** The decoy check of an unknown username: the same work, through the same gate. */
  verifyNothing(password: string): Promise<false>;
}

/**
 * Bounds the scrypt work a process does for requests. scrypt runs on libuv's thread pool (four
 * threads unless UV_THREADPOOL_SIZE says otherwise), which static files, DNS and jose's WebCrypto
 * (every token a vote brings) share: a flood of 200 logins queued 200 hashes there, and a screen
 * page or a vote waited 12 s behind them. Through this gate at most `concurrency` hashes run; up to
 * `queue` more wait their turn in order, and the rest answer 429 RATE_LIMITED at once, before any
 * work. A known and an unknown username take the same path through it (verifyNothing), so neither
 * the time nor a refusal tells which usernames exist.
 */
export function createPasswordWork(limits: PasswordWorkLimits): PasswordWork {
  let running = 0;
  const waiting: (() => void)[] = [];

  async function gated<T>(work: () => Promise<T>): Promise<T> {
    if (running >= limits.concurrency) {
      if (waiting.length >= limits.queue) {
        throw new AppError('RATE_LIMITED', { details: { scope: 'password-work', retryAfterSeconds: 1 } });
      }
      // A finishing hash hands its slot straight to the first waiter (running stays counted).
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  return {
    hash: (password) => gated(() => hashPassword(password)),
    verify: (password, stored) => gated(() => verifyPassword(password, stored)),
    verifyNothing: (password) => gated(() => verifyNothing(password)),
  };
}
