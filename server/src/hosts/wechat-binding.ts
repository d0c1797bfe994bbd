import { randomInt } from 'node:crypto';
import { findHostAccount, participantModel, setHostWeChat } from '@rallyboard/core/db';
import {
  AppError,
  HOST_BINDING_CODE_ALPHABET,
  type HostBindingCodeView,
  type HostBindingRedeemed,
  type HostWeChatView,
} from '@rallyboard/core/protocol';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import { whenAvailable } from '../lib/when-available.js';
import type { HostPrincipal } from './principal.js';

/** How long a binding code is good for. */
const BINDING_CODE_TTL_SECONDS = 600;
/** The mini-program page that takes a binding code (miniprogram/pages/host-bind). */
const BINDING_PAGE = 'pages/host-bind/index';

export interface WeChatBindingDeps {
  mongo: Connection;
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'hosts'>;
  audit: AuditLog;
}

const newCode = (): string =>
  Array.from(
    { length: 8 },
    () => HOST_BINDING_CODE_ALPHABET[randomInt(HOST_BINDING_CODE_ALPHABET.length)],
  ).join('');

/** Makes `next` the host's current code (none: unbinding) and drops the one before. */
async function dropCurrentCode(deps: WeChatBindingDeps, hostId: string, next?: string): Promise<void> {
  const current = deps.keys.hosts.bindingCurrent(hostId);
  const before =
    next === undefined
      ? await deps.redis.getdel(current)
      : await deps.redis.set(current, next, 'EX', BINDING_CODE_TTL_SECONDS, 'GET');
  if (before !== null && before !== next) await deps.redis.del(deps.keys.hosts.bindingCode(before));
}

/** Whether the host has a WeChat bound. */
export async function hostWeChatView(deps: WeChatBindingDeps, host: HostPrincipal): Promise<HostWeChatView> {
  const account = await whenAvailable(() => findHostAccount(deps.mongo, host.hostId));
  if (!account) throw new AppError('UNAUTHENTICATED');
  return account.wechat
    ? { bound: true, boundAt: new Date(account.wechat.boundAt).toISOString() }
    : { bound: false };
}

/**
 * What a code stands for: the host, and the account's token version when it was asked for. A
 * sign-out, a password change or an admin's revocation raises the version, and with it every
 * code asked for before stops binding: a leaked token's holder cannot keep a code to bind their
 * own WeChat to the account after the host has signed it out.
 */
const codeValue = (hostId: string, tokenVersion: number): string => `${hostId} ${tokenVersion}`;

function parseCodeValue(value: string): { hostId: string; tokenVersion: number } | undefined {
  const space = value.lastIndexOf(' ');
  const tokenVersion = Number(value.slice(space + 1));
  if (space <= 0 || !Number.isSafeInteger(tokenVersion)) return undefined;
  return { hostId: value.slice(0, space), tokenVersion };
}

/**
 * A new single-use code the host types in the mini-program within ten minutes. Only the newest
 * code of a host binds: asking for one (or unbinding) drops the one before, so a code seen over a
 * shoulder stops working once the host asks again; so does every code once the host's tokens are
 * revoked (see codeValue).
 */
export async function issueBindingCode(
  deps: WeChatBindingDeps,
  host: HostPrincipal,
  now: Date = new Date(),
): Promise<HostBindingCodeView> {
  for (;;) {
    const code = newCode();
    const set = await deps.redis.set(
      deps.keys.hosts.bindingCode(code),
      codeValue(host.hostId, host.tokenVersion ?? 0),
      'EX',
      BINDING_CODE_TTL_SECONDS,
      'NX',
    );
    // 2^40 codes: a clash is all but impossible, and then another is drawn.
    if (set !== 'OK') continue;
    await dropCurrentCode(deps, host.hostId, code);
    return {
      code,
      expiresAt: new Date(now.getTime() + BINDING_CODE_TTL_SECONDS * 1_000).toISOString(),
      page: BINDING_PAGE,
    };
  }
}

/**
 * A participant redeems a code: their WeChat user becomes the host's, replacing any bound
 * before. The code is taken (GETDEL) before anything is written, so it binds once; a wrong, used
 * or expired one answers BINDING_CODE_INVALID. Audited as the host's (the console shows it).
 */
export async function redeemBindingCode(
  deps: WeChatBindingDeps,
  participantId: string,
  code: string,
  ip: string,
  now: Date = new Date(),
): Promise<HostBindingRedeemed> {
  const participant = await whenAvailable(() =>
    participantModel(deps.mongo).findById(participantId, { openid: 1 }).lean<{ openid: string }>().exec(),
  );
  if (!participant) throw new AppError('UNAUTHENTICATED');
  const value = await deps.redis.getdel(deps.keys.hosts.bindingCode(code));
  const issued = value === null ? undefined : parseCodeValue(value);
  if (issued === undefined) throw new AppError('BINDING_CODE_INVALID');
  const { hostId } = issued;
  const account = await whenAvailable(() => findHostAccount(deps.mongo, hostId));
  if (!account || account.disabled === true || (account.tokenVersion ?? 0) !== issued.tokenVersion) {
    throw new AppError('BINDING_CODE_INVALID');
  }
  const wechat = { openid: participant.openid, participantId, boundAt: now };
  const before = await whenAvailable(() => setHostWeChat(deps.mongo, hostId, wechat));
  if (before === null) throw new AppError('BINDING_CODE_INVALID');
  await deps.audit({
    actor: { kind: 'host', hostId, role: account.role, username: account.username },
    ip,
    action: 'host.wechat-bind',
    target: { type: 'host', id: hostId },
    before: before ? { participantId: before.participantId } : null,
    after: { participantId },
  });
  return { username: account.username };
}

/** Unbinds the host's WeChat: the host's text can no longer be checked (nor saved) until it binds again. */
export async function unbindWeChat(deps: WeChatBindingDeps, host: HostPrincipal, ip: string): Promise<void> {
  await dropCurrentCode(deps, host.hostId);
  const before = await whenAvailable(() => setHostWeChat(deps.mongo, host.hostId, undefined));
  if (before === null) throw new AppError('UNAUTHENTICATED');
  if (before === undefined) return;
  await deps.audit({
    actor: host,
    ip,
    action: 'host.wechat-unbind',
    target: { type: 'host', id: host.hostId },
    before: { participantId: before.participantId },
    after: null,
  });
}
