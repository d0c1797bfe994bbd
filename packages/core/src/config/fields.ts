import { z } from 'zod';

/** A variable that may be unset or blank (both read as undefined); trimmed otherwise. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A whole number in [min, max]; `fallback` when unset or blank. */
export const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? fallback : Number(v.trim())))
    .pipe(z.number({ error: 'expected a whole number' }).int().min(min).max(max));
