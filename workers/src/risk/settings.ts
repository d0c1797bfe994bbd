import { campaignModel } from '@rallyboard/core/db';
import type { RiskSettings, RiskSettingsPatch } from '@rallyboard/core/protocol';
import { resolveRiskSettings } from '@rallyboard/core/risk';
import type { Connection } from 'mongoose';

/**
 * Each board's risk settings (its campaign's patch over the defaults), read from MongoDB and kept
 * for `ttlMs`, so a host's change reaches the workers within that time.
 */
export function createRiskSettingsCache(
  connection: Connection,
  ttlMs: number,
): (boardId: string) => Promise<RiskSettings> {
  const campaigns = campaignModel(connection);
  const cache = new Map<string, { at: number; settings: Promise<RiskSettings> }>();
  return (boardId) => {
    const hit = cache.get(boardId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.settings;
    const settings = campaigns
      .findById(boardId, { risk: 1 })
      .lean()
      // Risk settings belong to a campaign: a bare board (the engine's own tests and benchmarks)
      // has none, and its votes are not judged.
      .then((doc) =>
        resolveRiskSettings(doc ? (doc.risk as RiskSettingsPatch | undefined) : { enabled: false }),
      );
    settings.catch(() => cache.delete(boardId));
    cache.set(boardId, { at: Date.now(), settings });
    return settings;
  };
}
