import { ConfigError } from './errors.js';

/**
 * The token secrets (JWT_SECRET, JWT_PREVIOUS_SECRETS): what signs and verifies every token the
 * server issues (host, participant, screen, bull-board session) and the keys derived from it (vote
 * ids, share tokens). With one of them anyone can mint a host token, so a weak one is refused.
 */

/** Signs tokens when JWT_SECRET is unset, explicitly in development on loopback only. Public. */
const DEVELOPMENT_JWT_SECRET = 'rallyboard-development-secret-not-for-production';

/** The least a secret may be: 32 bytes (the HS256 key size), and this many estimated bits. */
const MIN_SECRET_BYTES = 32;
const MIN_SECRET_BITS = 128;
/** Most previous secrets: a token without a key id is tried against each. */
const MAX_PREVIOUS_SECRETS = 4;
/** Words of placeholders and examples (`change-me`, `your-secret-here`), never of a random secret. */
const PLACEHOLDER = /change.?me|replace.?me|placeholder|example|your.?secret|secret.?here|rallyboard/i;
const HOW_TO_MAKE_ONE = 'make one with `openssl rand -base64 48`';

/**
 * The secret's estimated entropy in bits: its length times the Shannon entropy of its own
 * character frequencies. A floor against mistakes ('a' × 32, a word, a short alphabet), not a
 * proof of randomness: `openssl rand -base64 48` gives about 330, 32 random hex characters about
 * 115 (too few: use 64).
 */
function estimatedBits(secret: string): number {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / chars.length) * Math.log2(n / chars.length);
  return Math.floor(perChar * chars.length);
}

/** Whether the secret is one shorter piece said at least twice ('ab' × 16, a random half × 2). */
function isRepeated(secret: string): boolean {
  for (let period = 1; period * 2 <= secret.length; period++) {
    let repeats = true;
    for (let i = period; i < secret.length && repeats; i++) repeats = secret[i] === secret[i - period];
    if (repeats) return true;
  }
  return false;
}

/** Why a secret is too weak to sign tokens, or undefined. Never quotes the secret. */
function weakness(secret: string): string | undefined {
  if (secret === DEVELOPMENT_JWT_SECRET) return 'is the public development default';
  if (PLACEHOLDER.test(secret)) return 'is a placeholder, not a secret';
  const bytes = Buffer.byteLength(secret);
  if (bytes < MIN_SECRET_BYTES) return `is ${bytes} bytes long; at least ${MIN_SECRET_BYTES}`;
  if (isRepeated(secret)) return 'repeats one short piece';
  const bits = estimatedBits(secret);
  if (bits < MIN_SECRET_BITS) return `has about ${bits} bits of entropy; at least ${MIN_SECRET_BITS}`;
  return undefined;
}

const ordinal = (n: number) => `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;

/** 127.0.0.0/8, ::1 and localhost: nothing but this machine reaches the server. */
const isLoopback = (host: string) => /^(localhost|::1|\[::1\]|127(\.\d{1,3}){3})$/i.test(host.trim());

export interface TokenSecrets {
  /** The newest secret (JWT_SECRET): it signs. */
  readonly jwtSecret: string;
  /** Older secrets that still verify, newest first (JWT_PREVIOUS_SECRETS). */
  readonly previousJwtSecrets: readonly string[];
}

/** The variables the secrets are read from, as the env schema parsed them. */
interface SecretsEnv {
  HOST: string;
  JWT_SECRET?: string | undefined;
  JWT_PREVIOUS_SECRETS?: string | undefined;
}

/**
 * Checks the token secrets. Outside development on loopback, JWT_SECRET is required and every
 * secret must pass `weakness`. Explicitly in development (NODE_ENV=development given, not its
 * default) on a loopback HOST, weak ones are let be and an unset JWT_SECRET means the public one.
 * @returns the secrets, or the problems (never quoting a secret), each saying how to make one
 */
function checkTokenSecrets(nodeEnv: string | undefined, env: SecretsEnv): TokenSecrets | string[] {
  const relaxed = nodeEnv?.trim() === 'development' && isLoopback(env.HOST);
  const secret = env.JWT_SECRET;
  const previous = (env.JWT_PREVIOUS_SECRETS ?? '').split(/[\s,]+/).filter(Boolean);
  const problems: string[] = [];
  if (secret === undefined && !relaxed) {
    problems.push(
      `JWT_SECRET: not set. Tokens need a secret of your own (only NODE_ENV=development on a loopback HOST falls back to a public one); ${HOW_TO_MAKE_ONE}`,
    );
  }
  const why = secret === undefined || relaxed ? undefined : weakness(secret);
  if (why) problems.push(`JWT_SECRET: too weak to sign tokens: it ${why}; ${HOW_TO_MAKE_ONE}`);
  if (previous.length > MAX_PREVIOUS_SECRETS) {
    problems.push(`JWT_PREVIOUS_SECRETS: at most ${MAX_PREVIOUS_SECRETS} secrets; retire the oldest`);
  }
  for (const [i, old] of previous.entries()) {
    const oldWhy = relaxed ? undefined : weakness(old);
    if (oldWhy) {
      problems.push(
        `JWT_PREVIOUS_SECRETS: the ${ordinal(i + 1)} is too weak to verify tokens: it ${oldWhy}; retire it`,
      );
    }
  }
  if (problems.length > 0) return problems;
  const jwtSecret = secret ?? DEVELOPMENT_JWT_SECRET;
  return {
    jwtSecret,
    previousJwtSecrets: Object.freeze([...new Set(previous)].filter((s) => s !== jwtSecret)),
  };
}

/**
 * `config` with `auth.jwtSecret` and `auth.previousJwtSecrets` as getters that throw a ConfigError
 * when the secrets were refused. So the processes that sign or verify tokens (the server, `npm run
 * seed`) refuse to start, and those that never read them (the workers, the recovery and services
 * commands) start whatever JWT_SECRET is.
 */
export function withTokenSecrets<T extends { auth: object }>(
  nodeEnv: string | undefined,
  env: SecretsEnv,
  config: T,
): T & { auth: TokenSecrets } {
  const checked = checkTokenSecrets(nodeEnv, env);
  const read = (key: keyof TokenSecrets) => () => {
    if (Array.isArray(checked)) throw new ConfigError(checked);
    return (checked as TokenSecrets)[key];
  };
  Object.defineProperties(config.auth, {
    jwtSecret: { get: read('jwtSecret'), enumerable: true },
    previousJwtSecrets: { get: read('previousJwtSecrets'), enumerable: true },
  });
  return config as T & { auth: TokenSecrets };
}

/** Throws the ConfigError of refused token secrets: a process that signs tokens calls it first. */
export function requireTokenSecrets(config: { auth: TokenSecrets }): void {
  void config.auth.jwtSecret;
}
