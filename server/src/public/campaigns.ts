// `@rallyboard/server/campaigns`: a campaign's board made to match it, as the server does on
// every edit (the demo seed writes its campaign straight to the database, then syncs its board).
export { syncBoard } from '../campaigns/board-sync.js';
