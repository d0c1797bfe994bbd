// The protocol part: no Node-only imports here. The mini-program receives a generated copy.
export * from './audit.js';
export * from './auth.js';
export * from './campaigns.js';
export * from './console.js';
export * from './day.js';
export * from './errors.js';
export * from './events.js';
export * from './feed.js';
export * from './hosts.js';
export * from './ids.js';
export * from './leaderboard.js';
export * from './pages.js';
export * from './referrals.js';
export * from './risk.js';
export * from './screen.js';
export * from './vote-context.js';
export * from './votes.js';
