import type { RequestHandler } from 'express';
import type { ReadLimits } from '../ingest/rate-limits.js';
import { whenAvailable } from '../lib/when-available.js';
import { clientIp } from './client-ip.js';

/**
 * The paths of the reads anyone may make without a token, by prefix: a board's leaderboard,
 * members (and the ranks around one), totals, the public campaigns, the screens, a suggestion
 * box's suggestions, a campaign's entry form, reward rules, lotteries and donation matching, and
 * what a share link points at (and its mini-program code).
 */
export const PUBLIC_READ_PATHS = [
  '/api/boards/:boardId/leaderboard',
  '/api/boards/:boardId/members',
  '/api/boards/:boardId/totals',
  '/api/public/campaigns',
  '/api/screens',
  '/api/campaigns/:campaignId/suggestions',
  '/api/campaigns/:campaignId/entry-settings',
  '/api/campaigns/:campaignId/reward-rules',
  '/api/campaigns/:campaignId/lotteries',
  '/api/campaigns/:campaignId/matches',
  '/api/share-tokens',
];

/**
 * Entry pictures (candidates' photos), a budget of their own: a page of a photo contest shows a
 * picture per candidate, many more than the reads it makes (until 2026-12-07 they shared the
 * reads' budget, and a venue crowd opening a contest of ten photos at once was refused).
 */
export const PUBLIC_MEDIA_PATHS = ['/media/entries'];

/**
 * Charges each GET to its client address before any route reads a store; past the budget the
 * error handler answers 429 RATE_LIMITED with Retry-After.
 */
export function limitPublicReads(charge: ReadLimits['read']): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const ip = clientIp(req);
    whenAvailable(() => charge(ip)).then(() => next(), next);
  };
}
