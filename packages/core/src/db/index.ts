export * from './audit.js';
export * from './boards.js';
export * from './campaigns.js';
export * from './connection.js';
export * from './hosts.js';
export * from './ledger.js';
export * from './participants.js';
export * from './referrals.js';
