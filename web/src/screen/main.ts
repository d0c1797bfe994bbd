import './screen.css';
import { ScreenApp } from './app.js';
import { LotteryPanel } from './lottery.js';
import { MatchingLine } from './matching.js';

/**
 * `/screen/:campaignId#token=…`: the campaign from the path, the screen token from the fragment,
 * which the browser never sends; the page sends it in a header and in `screen:subscribe`.
 */
const campaignId = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '');
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? legacyQueryToken();

/**
 * A link from before the fragment (`?token=…`): still opens, and the token moves to the fragment
 * at once, so a reload or a copied address no longer sends it. (That first request did; the
 * server's access log masks it.)
 */
function legacyQueryToken(): string | undefined {
  const query = new URLSearchParams(location.search);
  const legacy = query.get('token') ?? undefined;
  if (legacy === undefined) return undefined;
  query.delete('token');
  const rest = query.toString();
  const search = rest === '' ? '' : `?${rest}`;
  history.replaceState(null, '', `${location.pathname}${search}#token=${encodeURIComponent(legacy)}`);
  return legacy;
}
const app = new ScreenApp(campaignId, token);
// For the benchmark and the browser tests: what the screen shows, and when it drew each update.
(window as unknown as { __rallyScreen: ScreenApp['probe'] }).__rallyScreen = app.probe;
// The campaign's lotteries: their commitments, and the draw when the host draws one.
(window as unknown as { __rallyLottery: LotteryPanel['probe'] }).__rallyLottery = new LotteryPanel(
  campaignId,
).probe;
// Donation matching (公益配捐): each pledge's progress along the bottom.
const matchingLine = document.getElementById('matching-line');
if (matchingLine) {
  (window as unknown as { __rallyMatching: MatchingLine['probe'] }).__rallyMatching = new MatchingLine(
    campaignId,
    matchingLine,
  ).probe;
}
