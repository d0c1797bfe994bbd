import { z } from 'zod';

/** The risk dashboard: where a campaign's votes come from and how risk control decided them, minute by minute. */

const isoDate = z.iso.datetime({ offset: true });

export const riskDashboardQuerySchema = z.strictObject({
  minutes: z.coerce.number().int().min(1).max(1_440).optional(),
  top: z.coerce.number().int().min(1).max(100).optional(),
});

export const riskDashboardSchema = z.object({
  /** Votes by IPv4 /16 (IPv6 /32), biggest first. */
  networks16: z.array(z.object({ network: z.string(), votes: z.number().int() })),
  /** The /24s (IPv6 /64s) with the most votes. */
  topSubnets: z.array(z.object({ network: z.string(), votes: z.number().int() })),
  /** Devices and fingerprints seen with two or more accounts, most first. */
  topDevices: z.array(z.object({ deviceId: z.string(), accounts: z.number().int() })),
  topFingerprints: z.array(z.object({ fingerprint: z.string(), accounts: z.number().int() })),
  topIps: z.array(z.object({ ip: z.string(), votes: z.number().int() })),
  /** Votes per minute per candidate, oldest minute first. */
  rates: z.array(
    z.object({
      minute: isoDate,
      candidates: z.record(z.string(), z.number().int()),
      total: z.number().int(),
    }),
  ),
  /** Decided votes per minute: counted, held, rejected, and the held and rejected share. */
  verdicts: z.array(
    z.object({
      minute: isoDate,
      counted: z.number().int(),
      held: z.number().int(),
      rejected: z.number().int(),
      heldShare: z.number(),
      rejectedShare: z.number(),
    }),
  ),
});
export type RiskDashboard = z.infer<typeof riskDashboardSchema>;
