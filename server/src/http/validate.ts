import { AppError, toFieldIssues } from '@rallyboard/core/protocol';
import type { z } from 'zod';

/**
 * Parses one part of a request (params, query, body) or throws INVALID_INPUT whose details
 * name each failing field by its path, e.g. `body.candidateId`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError('INVALID_INPUT', { details: toFieldIssues(result.error, part) });
  }
  return result.data;
}
