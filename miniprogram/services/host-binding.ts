import { hostBindingRedeemedSchema } from '../protocol/hosts.js';
import { authorized } from './auth.js';

/**
 * Binds this WeChat user to a host's console account, with the code its console shows: WeChat
 * then checks the candidate names and descriptions the host publishes as this user's. Answers
 * the account's username.
 */
export const redeemHostBinding = (code: string) =>
  authorized(
    { method: 'POST', path: '/api/me/host-binding', body: { code: code.trim().toUpperCase() } },
    hostBindingRedeemedSchema,
  ).then((answer) => answer.username);

/** A code as the console shows it: 8 letters and digits, no 0, O, 1 or I. */
export const looksLikeCode = (code: string) => /^[2-9A-HJ-NP-Z]{8}$/.test(code.trim().toUpperCase());
