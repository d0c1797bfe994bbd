// `npm run verify-draw -- <campaignId> [url]`: recomputes a campaign's lottery draws from what the
// server publishes (the seed, its commitment, the tickets, the winners). Exits 0 when every drawn
// lottery holds, 1 when one does not, 2 when it cannot check.
import { loadConfig } from '@rallyboard/core/config';
import { verifyCampaignDraws } from './check.js';

const [campaignId, url] = process.argv.slice(2);
if (campaignId === undefined || campaignId.startsWith('-')) {
  console.error('usage: npm run verify-draw -- <campaignId> [server url]');
  process.exit(2);
}
const base = (url ?? loadConfig().http.publicUrl).replace(/\/$/, '');
try {
  const { ok } = await verifyCampaignDraws(base, campaignId);
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(`✗ cannot check: ${(error as Error).message}`);
  process.exit(2);
}
