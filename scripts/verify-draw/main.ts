// `npm run verify-draw -- <campaignId> [url] [--holder <hash>]`: recomputes a campaign's lottery
// draws from what the server publishes (the seed, its commitment, the tickets, the winners), and,
// given a participant's holder hash (their 抽奖编号), checks their tickets were in the list. Exits 0
// when every drawn lottery holds, 1 when one does not, 2 when it cannot check.
import { loadConfig } from '@rallyboard/core/config';
import { verifyCampaignDraws } from './check.js';

const args = process.argv.slice(2);
const at = args.indexOf('--holder');
const holder = at >= 0 ? args[at + 1] : undefined;
if (at >= 0) args.splice(at, 2);
const [campaignId, url] = args;
if (campaignId === undefined || campaignId.startsWith('-') || (at >= 0 && !holder)) {
  console.error('usage: npm run verify-draw -- <campaignId> [server url] [--holder <my 抽奖编号>]');
  process.exit(2);
}
const base = (url ?? loadConfig().http.publicUrl).replace(/\/$/, '');
try {
  const { ok } = await verifyCampaignDraws(base, campaignId, console.log, holder);
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(`✗ cannot check: ${(error as Error).message}`);
  process.exit(2);
}
