import { z } from 'zod';

/**
 * Identifiers travel in URLs, Redis keys and socket rooms, so they are restricted to a safe
 * alphabet. Braces in particular are excluded: they delimit Redis Cluster hash tags in our keys.
 */
const SAFE_ID = /^[A-Za-z0-9_-]+$/;

export const boardIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(SAFE_ID, 'may contain only letters, digits, "_" and "-"');
export type BoardId = z.infer<typeof boardIdSchema>;

export const candidateIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(SAFE_ID, 'may contain only letters, digits, "_" and "-"');
export type CandidateId = z.infer<typeof candidateIdSchema>;

/** A vote id is a client idempotency key or a server-generated UUID. */
export const voteIdSchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits and "_.-"');
export type VoteId = z.infer<typeof voteIdSchema>;

/** Who cast a vote or like: the participant id of the token the vote came with. */
export const voterIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits and "_.:-"');
export type VoterId = z.infer<typeof voterIdSchema>;

/** A day of a daily ranking, in the board's timezone. */
export const daySchema = z.iso.date();
