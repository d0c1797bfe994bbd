import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError, type ErrorCode } from '../protocol/errors.js';
import type { RedisClient } from './connection.js';

/**
 * The Lua scripts, one file each in `lua/<name>-<numKeys>.lua`, or `lua/<name>-<numKeys>+.lua`
 * for a script that takes that many keys and then more, per item of a batch. Each file's header
 * documents its KEYS, ARGV and return codes. The same relative path works from `src/` and
 * from `dist/`.
 */
const LUA_DIR = fileURLToPath(new URL('../../lua/', import.meta.url));

/**
 * Name → key count (`n`, or `'n+'` for at least n), mirrored from the file names and checked
 * against them at load.
 */
export const SCRIPTS = {
  applyVotes: '9+',
  assessVotes: '5+',
  readBoard: 5,
  installBoard: '7+',
  releaseLock: 1,
  settleClaim: 1,
  extendLock: 1,
  renewFence: 1,
  freezeBoard: 20,
  setBoardStatus: 11,
  setMemberGroup: '5+',
  claimCoupon: 2,
  releaseCoupon: 2,
  restockCoupons: 2,
  settleRewardMarks: 1,
  recordClusterMembers: '1+',
  recordInterests: 3,
} as const;
export type ScriptName = keyof typeof SCRIPTS;

/**
 * Negative script return codes, shared by every script; each script's header says which it
 * returns. TypeScript compares a reply with these names, never with a bare number.
 */
export const SCRIPT_CODES = {
  /** The board is not in Redis, or only part of it is (never registered, or its state was lost). */
  boardMissing: -1,
  /** A member the call named is not registered on the board. */
  unknownMember: -2,
  /** The rebuild fence is not held by the caller's token (another rebuild took over, or it was lifted). */
  fenceLost: -3,
  /** The board is fenced for a rebuild; try again later. */
  fenced: -4,
  /** A member's group is not the one the caller read (a concurrent move): read it again. */
  staleGroup: -5,
  /** A period was created after the caller listed the windows (a move racing a vote): list them again. */
  staleWindows: -6,
  /** A public read of the live keys found the board frozen: its caller's cached status is older than the freeze. */
  staleStatus: -7,
} as const;
export type ScriptCode = (typeof SCRIPT_CODES)[keyof typeof SCRIPT_CODES];

/** Negative script return codes mapped to the error catalogue, for a caller that throws them. */
const SCRIPT_ERRORS: Readonly<Record<number, ErrorCode>> = {
  [SCRIPT_CODES.boardMissing]: 'BOARD_NOT_FOUND',
  [SCRIPT_CODES.unknownMember]: 'UNKNOWN_MEMBER',
  [SCRIPT_CODES.fenceLost]: 'BOARD_REBUILDING',
  [SCRIPT_CODES.fenced]: 'BOARD_REBUILDING',
  [SCRIPT_CODES.staleGroup]: 'SERVICE_UNAVAILABLE',
  [SCRIPT_CODES.staleWindows]: 'SERVICE_UNAVAILABLE',
  [SCRIPT_CODES.staleStatus]: 'SERVICE_UNAVAILABLE',
} satisfies Record<ScriptCode, ErrorCode>;

/**
 * The error a script's negative reply stands for: its catalogue code, or INTERNAL naming the
 * script when the code is not one of SCRIPT_CODES.
 */
export function scriptFailure(code: number, what: string): AppError {
  const errorCode = SCRIPT_ERRORS[code];
  if (errorCode) return new AppError(errorCode);
  return new AppError('INTERNAL', { message: `${what} returned an unknown code ${code}` });
}

interface ScriptSource {
  /** The fixed key count, or the least for a variadic script. */
  readonly numberOfKeys: number;
  readonly variadic: boolean;
  readonly lua: string;
}

const keyCount = (name: ScriptName) => {
  const declared: number | string = SCRIPTS[name];
  return { least: Number.parseInt(String(declared), 10), variadic: String(declared).endsWith('+') };
};

let sources: ReadonlyMap<ScriptName, ScriptSource> | undefined;

function isScriptName(name: string): name is ScriptName {
  return Object.hasOwn(SCRIPTS, name);
}

/** Reads every `lua/*.lua` file once. Fails loudly if a file and SCRIPTS disagree. */
function scriptSources(): ReadonlyMap<ScriptName, ScriptSource> {
  if (sources) return sources;
  const found = new Map<ScriptName, ScriptSource>();
  for (const file of readdirSync(LUA_DIR)) {
    const match = /^([a-z][A-Za-z]*)-(\d+\+?)\.lua$/.exec(file);
    if (!match) continue;
    const [, name = '', keys = ''] = match;
    if (!isScriptName(name)) throw new Error(`lua/${file} has no entry in SCRIPTS`);
    if (String(SCRIPTS[name]) !== keys) {
      throw new Error(`lua/${file} declares ${keys} keys, SCRIPTS says ${SCRIPTS[name]}`);
    }
    const { least, variadic } = keyCount(name);
    found.set(name, { numberOfKeys: least, variadic, lua: readFileSync(`${LUA_DIR}${file}`, 'utf8') });
  }
  for (const name of Object.keys(SCRIPTS)) {
    if (!isScriptName(name) || !found.has(name)) throw new Error(`no lua file for script ${name}`);
  }
  sources = found;
  return found;
}

const defined = new WeakSet<RedisClient>();

/**
 * Registers every script on a connection with `defineCommand` (EVALSHA with EVAL fallback).
 * A variadic script is defined without a key count; runScript passes it first.
 */
export function defineScripts(redis: RedisClient): void {
  if (defined.has(redis)) return;
  for (const [name, source] of scriptSources()) {
    redis.defineCommand(name, {
      lua: source.lua,
      ...(source.variadic ? {} : { numberOfKeys: source.numberOfKeys }),
    });
  }
  defined.add(redis);
}

/**
 * The one way to call a script. Checks the key count, so a call can't silently shift an
 * argument into KEYS.
 */
export async function runScript(
  redis: RedisClient,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const { least, variadic } = keyCount(name);
  if (variadic ? keys.length < least : keys.length !== least) {
    throw new Error(`script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
  }
  defineScripts(redis);
  const command: unknown = Reflect.get(redis, name);
  if (typeof command !== 'function') throw new Error(`script ${name} is not defined`);
  const head = variadic ? [keys.length] : [];
  return (await command.call(redis, ...head, ...keys, ...args)) as unknown;
}
