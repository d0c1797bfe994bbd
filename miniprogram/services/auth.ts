import type { z } from 'zod';
import { settings } from '../config.js';
import { participantLoginSchema, type TokenPair, tokenPairSchema } from '../protocol/auth.js';
import { deviceId } from './device.js';
import { ApiError, type ApiRequest, request } from './request.js';

/** What the mini-program keeps of a sign-in, in its storage. */
export interface Session extends TokenPair {
  participantId: string;
}

const STORAGE_KEY = 'rallyboard.session';
/** Refresh a token this close to its expiry before using it, rather than have it refused. */
const EARLY_REFRESH_MS = 30_000;

let inFlight: Promise<Session> | null = null;

function stored(): Session | null {
  const value: unknown = wx.getStorageSync(STORAGE_KEY);
  return typeof value === 'object' && value !== null && 'token' in value ? (value as Session) : null;
}

/** Whether a session is kept (the launch's silent sign-in made one): for what asks for none itself. */
export const hasSession = (): boolean => stored() !== null;

function keep(session: Session): Session {
  wx.setStorageSync(STORAGE_KEY, session);
  return session;
}

let devLogins = 0;

/** wx.login's code (or, against the fake WeChat, a code it knows: see settings.devLoginAs). */
function wxLoginCode(): Promise<string> {
  if (settings.devLoginAs) return Promise.resolve(`ok-${settings.devLoginAs}.${Date.now()}${++devLogins}`);
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) =>
        res.code ? resolve(res.code) : reject(new ApiError('NETWORK', 0, '微信登录失败，请重试')),
      fail: () => reject(new ApiError('NETWORK', 0, '微信登录失败，请检查网络后重试')),
    });
  });
}

/**
 * Signs in silently: wx.login's code for a token pair. No user information is asked for, so
 * nothing needs the user's authorisation.
 */
export async function login(): Promise<Session> {
  const code = await wxLoginCode();
  const answer = await request(
    // The install's id: the server budgets sign-ins per device as well as per address.
    { method: 'POST', path: '/api/auth/wechat', body: { code }, headers: { 'x-device-id': deviceId() } },
    participantLoginSchema,
  );
  const { participant, ...pair } = answer;
  return keep({ ...pair, participantId: participant.id });
}

/**
 * The next token pair for a refresh token; a refresh token works once, so only one refresh runs
 * at a time and everyone waiting shares it. A refused refresh falls back to a new sign-in.
 */
async function refreshed(session: Session): Promise<Session> {
  try {
    const pair = await request(
      { method: 'POST', path: '/api/auth/refresh', body: { refreshToken: session.refreshToken } },
      tokenPairSchema,
    );
    return keep({ ...pair, participantId: session.participantId });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'REFRESH_TOKEN_INVALID') return login();
    throw error;
  }
}

function once(make: () => Promise<Session>): Promise<Session> {
  inFlight ??= make().finally(() => {
    inFlight = null;
  });
  return inFlight;
}

/** A session whose token is good for now: the stored one, refreshed, or a new sign-in. */
export async function currentSession(now = Date.now()): Promise<Session> {
  if (inFlight) return inFlight;
  const session = stored();
  if (!session || Date.parse(session.refreshExpiresAt) <= now) return once(login);
  if (Date.parse(session.expiresAt) - EARLY_REFRESH_MS <= now) return once(() => refreshed(session));
  return session;
}

/**
 * Calls the API as the signed-in participant, signing in first if needed. When the token is
 * refused as expired (or unknown), refreshes or signs in again and retries once; a second
 * refusal is the caller's.
 */
export async function authorized<S extends z.ZodType>(req: ApiRequest, schema?: S): Promise<z.infer<S>> {
  const call = (session: Session) =>
    request({ ...req, headers: { ...req.headers, authorization: `Bearer ${session.token}` } }, schema as S);
  const session = await currentSession();
  try {
    return await call(session);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // Another call may have refreshed meanwhile: its pair is the one to use. Refreshing again
    // with the spent refresh token would make the server revoke the whole sign-in.
    const latest = stored();
    if (
      (error.code === 'TOKEN_EXPIRED' || error.code === 'UNAUTHENTICATED') &&
      latest &&
      latest.token !== session.token
    ) {
      return call(latest);
    }
    if (error.code === 'TOKEN_EXPIRED') return call(await once(() => refreshed(session)));
    if (error.code === 'UNAUTHENTICATED') return call(await once(login));
    throw error;
  }
}

/** Signs out: the server revokes the refresh token; the stored session is dropped either way. */
export async function logout(): Promise<void> {
  const session = stored();
  wx.removeStorageSync(STORAGE_KEY);
  if (session) {
    await request({
      method: 'POST',
      path: '/api/auth/logout',
      body: { refreshToken: session.refreshToken },
    }).catch(() => undefined);
  }
}
