import { z } from 'zod';
import { type EntryLimits, entriesEnv, entryLimitsOf } from './entries.js';
import { ConfigError } from './errors.js';
import { int, optionalString } from './fields.js';
import { type RateLimits, rateLimitEnv, rateLimitsOf } from './limits.js';
import { type TokenSecrets, withTokenSecrets } from './secrets.js';
import { type MessageTemplates, messageTemplatesEnv } from './templates.js';
import { trustProxy } from './trust-proxy.js';

export { sendsBearerToken } from './metrics-token.js';
export { requireTokenSecrets } from './secrets.js';
export type { MessageTemplate, MessageTemplates } from './templates.js';
export { ConfigError };

/**
 * Where Redis and MongoDB are when the environment names neither: the project's own embedded
 * services, started by `npm run services start` with their data under `.data/`.
 */
export const LOCAL_SERVICES = {
  redisUrl: 'redis://127.0.0.1:6390',
  mongoUri: 'mongodb://127.0.0.1:27027/rallyboard',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The environment variables, each documented in `.env.example`. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535, 3000),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  TRUST_PROXY: trustProxy,
  BODY_LIMIT_BYTES: int(256, 1_048_576, 16_384),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
  ),
  REDIS_COMMAND_TIMEOUT_MS: int(50, 60_000, 1_000),
  REDIS_APPENDFSYNC: z.enum(['always', 'everysec']).default('always'),
  MONGODB_URI: optionalString.pipe(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
  ),
  KEY_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, "_" and "-", at most 32')
    .default('rb'),
  WORKER_CONCURRENCY: int(1, 1000, 256),
  WORKER_LOCK_DURATION_MS: int(1000, 600_000, 30_000),
  WORKER_STALLED_INTERVAL_MS: int(1000, 600_000, 30_000),
  WORKER_BATCH_MAX: int(1, 5000, 500),
  WORKER_BATCH_WAIT_MS: int(0, 100, 2),
  LEDGER_BATCH_MAX: int(1, 10_000, 2_000),
  INGEST_BATCH_MAX: int(1, 1000, 200),
  INGEST_BATCH_WAIT_MS: int(0, 100, 2),
  BOARD_CACHE_MS: int(0, 60_000, 1_000),
  DAILY_RETENTION_DAYS: int(1, 400, 8),
  FENCE_RETRY_MS: int(10, 60_000, 500),
  RISK_SETTINGS_CACHE_MS: int(0, 600_000, 5_000),
  REBUILD_SETTLE_TIMEOUT_MS: int(1_000, 600_000, 120_000),
  RELAY_TICK_MS: int(10, 5000, 150),
  LEADERBOARD_TOP_N: int(1, 100, 10),
  // At least a day: a marker must outlive any wait of its job (an outage, a backlog) and the
  // mini-program's ten minutes of sending an uncertain vote's key again (uncertain-votes.ts).
  VOTE_DEDUP_TTL_SECONDS: int(86_400, 365 * 86_400, 30 * 86_400),
  SHUTDOWN_TIMEOUT_MS: int(100, 120_000, 10_000),
  READY_MAX_QUEUE_LAG_MS: int(1_000, 3_600_000, 30_000),
  METRICS_TOKEN: optionalString.pipe(z.string().min(32, 'at least 32 characters').optional()),
  WORKER_METRICS_PORT: int(0, 65535, 0),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  ...rateLimitEnv,
  ...entriesEnv,
  WECHAT_API_BASE: z.url().default('https://api.weixin.qq.com'),
  WECHAT_APP_ID: optionalString,
  WECHAT_APP_SECRET: optionalString,
  WECHAT_TIMEOUT_MS: int(100, 60_000, 5_000),
  WECHAT_ENV_VERSION: z.enum(['release', 'trial', 'develop']).default('release'),
  WECHAT_TEMPLATES: messageTemplatesEnv,
  /** The Token of the message-push URL (消息推送), 3 to 32 letters and digits. */
  WECHAT_PUSH_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9]{3,32}$/, '3 to 32 letters and digits, as WeChat takes it')
      .optional(),
  ),
  /** Its EncodingAESKey, for safe mode (安全模式): 43 letters and digits. */
  WECHAT_PUSH_AES_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9]{43}$/, '43 letters and digits, as WeChat makes it')
      .optional(),
  ),
  JWT_SECRET: optionalString,
  JWT_PREVIOUS_SECRETS: optionalString,
  HOST_TOKEN_TTL_SECONDS: int(60, 30 * 86_400, 12 * 3_600),
  PASSWORD_HASH_CONCURRENCY: int(1, 64, 2),
  PASSWORD_HASH_QUEUE: int(0, 10_000, 8),
  PARTICIPANT_TOKEN_TTL_SECONDS: int(60, 86_400, 2 * 3_600),
  PARTICIPANT_REFRESH_TTL_SECONDS: int(3_600, 365 * 86_400, 30 * 86_400),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  readonly env: 'development' | 'test' | 'production';
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** The base URL printed and linked to; derived from host and port when unset. */
    readonly publicUrl: string;
    /** express's `trust proxy`: false, true, a number of hops, or addresses, subnets and names. */
    readonly trustProxy: boolean | number | readonly string[];
    readonly bodyLimitBytes: number;
  };
  /** `managed` is true when the URL is the embedded local default rather than given. */
  /**
   * `commandTimeoutMs`: how long a request waits for a Redis answer before it answers 503 (the
   * server's command and queue connections only; never a worker's blocking or a subscriber's).
   */
  readonly redis: {
    readonly url: string;
    readonly managed: boolean;
    readonly commandTimeoutMs: number;
    /** The embedded Redis's fsync policy: `always` makes a 202 survive a power loss too. */
    readonly appendfsync: 'always' | 'everysec';
  };
  readonly mongo: { readonly uri: string; readonly managed: boolean };
  /** Prefix of every Redis key and channel this deployment owns (see redis/keys.ts). */
  readonly keyPrefix: string;
  readonly worker: {
    readonly concurrency: number;
    readonly lockDurationMs: number;
    readonly stalledIntervalMs: number;
    /** Most votes applied by one script call and written by one insertMany. */
    readonly batchMax: number;
    /** How long a batch waits for more votes from concurrently processed jobs. */
    readonly batchWaitMs: number;
    /** Most records one ledger insertMany writes (one runs at a time). */
    readonly ledgerBatchMax: number;
    /** How long a vote waits before it tries a fenced (rebuilding) or missing board again. */
    readonly fenceRetryMs: number;
    /** How long a worker keeps a campaign's risk settings before reading them again. */
    readonly riskSettingsCacheMs: number;
  };
  readonly ingest: {
    /** Most votes one queue add carries; they share a job. */
    readonly batchMax: number;
    /** How long ingest waits to gather votes into one add. */
    readonly batchWaitMs: number;
    /** How long a process trusts what it read about a board (members, kind, timezone). */
    readonly boardCacheMs: number;
  };
  readonly relay: { readonly tickMs: number; readonly topN: number };
  readonly votes: { readonly dedupTtlSeconds: number };
  readonly boards: {
    /** Days a day's ranking is kept after the day ends, for boards that do not say. */
    readonly dailyRetentionDays: number;
  };
  readonly recovery: {
    /** How long a rebuild waits for votes in flight before it gives up. */
    readonly settleTimeoutMs: number;
  };
  readonly shutdownTimeoutMs: number;
  /** GET /readyz answers 503 while the votes queue's oldest unfinished job is older than this. */
  readonly readiness: { readonly maxQueueLagMs: number };
  readonly metrics: {
    /** The bearer token GET /metrics requires; undefined: /metrics answers 404. */
    readonly token: string | undefined;
    /** Where the workers serve their own GET /metrics (needs the token); undefined port: nowhere. */
    readonly workerPort: number | undefined;
    readonly workerHost: string;
  };
  readonly rateLimits: RateLimits;
  readonly entries: EntryLimits;
  readonly wechat: {
    /** Base URL of the WeChat server API; a local fake in tests and the demo. */
    readonly apiBase: string;
    /** The mini-program's AppID and AppSecret; undefined until configured (login then answers 503). */
    readonly appId: string | undefined;
    readonly appSecret: string | undefined;
    readonly timeoutMs: number;
    /**
     * Which version of the mini-program share codes open. Outside `release` the page is not
     * checked (WeChat's `check_path: false`), since it may not be published yet.
     */
    readonly envVersion: 'release' | 'trial' | 'develop';
    /** The subscribe-message template of each event this deployment sends (WECHAT_TEMPLATES). */
    readonly templates: MessageTemplates;
    /** The message-push URL's Token and EncodingAESKey; without a token, pushes are refused. */
    readonly push: { readonly token: string | undefined; readonly aesKey: string | undefined };
  };
  /** Token secrets (reading them throws the ConfigError when refused: secrets.ts) and lifetimes. */
  readonly auth: TokenSecrets & {
    readonly hostTokenTtlSeconds: number;
    readonly participantTokenTtlSeconds: number;
    readonly participantRefreshTtlSeconds: number;
    /**
     * Password hashes (scrypt, on libuv's thread pool) computed at once, and how many more may
     * wait for a turn; past that a login answers 429 RATE_LIMITED.
     */
    readonly passwordHashing: { readonly concurrency: number; readonly queue: number };
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    // Data properties only: the token secrets are getters that throw when refused (secrets.ts).
    for (const { value: inner } of Object.values(Object.getOwnPropertyDescriptors(value))) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads and validates the environment. This is the only module that reads `process.env`;
 * everything else receives the frozen result.
 * @param source the variables to read @default process.env
 */
export function loadConfig(source: Env = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const shownHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
  const config = withTokenSecrets(source.NODE_ENV, e, {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: (e.PUBLIC_URL ?? `http://${shownHost}:${e.PORT}`).replace(/\/$/, ''),
      trustProxy: e.TRUST_PROXY,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
    },
    redis: {
      url: e.REDIS_URL ?? LOCAL_SERVICES.redisUrl,
      managed: e.REDIS_URL === undefined,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      appendfsync: e.REDIS_APPENDFSYNC,
    },
    mongo: { uri: e.MONGODB_URI ?? LOCAL_SERVICES.mongoUri, managed: e.MONGODB_URI === undefined },
    keyPrefix: e.KEY_PREFIX,
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      lockDurationMs: e.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
      batchMax: e.WORKER_BATCH_MAX,
      batchWaitMs: e.WORKER_BATCH_WAIT_MS,
      ledgerBatchMax: e.LEDGER_BATCH_MAX,
      fenceRetryMs: e.FENCE_RETRY_MS,
      riskSettingsCacheMs: e.RISK_SETTINGS_CACHE_MS,
    },
    ingest: {
      batchMax: e.INGEST_BATCH_MAX,
      batchWaitMs: e.INGEST_BATCH_WAIT_MS,
      boardCacheMs: e.BOARD_CACHE_MS,
    },
    relay: { tickMs: e.RELAY_TICK_MS, topN: e.LEADERBOARD_TOP_N },
    votes: { dedupTtlSeconds: e.VOTE_DEDUP_TTL_SECONDS },
    boards: { dailyRetentionDays: e.DAILY_RETENTION_DAYS },
    recovery: { settleTimeoutMs: e.REBUILD_SETTLE_TIMEOUT_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    readiness: { maxQueueLagMs: e.READY_MAX_QUEUE_LAG_MS },
    metrics: {
      token: e.METRICS_TOKEN,
      workerPort: e.WORKER_METRICS_PORT === 0 ? undefined : e.WORKER_METRICS_PORT,
      workerHost: e.WORKER_METRICS_HOST,
    },
    rateLimits: rateLimitsOf(e),
    entries: entryLimitsOf(e),
    wechat: {
      apiBase: e.WECHAT_API_BASE.replace(/\/$/, ''),
      appId: e.WECHAT_APP_ID,
      appSecret: e.WECHAT_APP_SECRET,
      timeoutMs: e.WECHAT_TIMEOUT_MS,
      envVersion: e.WECHAT_ENV_VERSION,
      templates: e.WECHAT_TEMPLATES,
      push: { token: e.WECHAT_PUSH_TOKEN, aesKey: e.WECHAT_PUSH_AES_KEY },
    },
    auth: {
      hostTokenTtlSeconds: e.HOST_TOKEN_TTL_SECONDS,
      participantTokenTtlSeconds: e.PARTICIPANT_TOKEN_TTL_SECONDS,
      participantRefreshTtlSeconds: e.PARTICIPANT_REFRESH_TTL_SECONDS,
      passwordHashing: { concurrency: e.PASSWORD_HASH_CONCURRENCY, queue: e.PASSWORD_HASH_QUEUE },
    },
  });
  return deepFreeze(config);
}
