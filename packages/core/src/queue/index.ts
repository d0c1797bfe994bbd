export * from './campaigns.js';
export * from './entries.js';
export * from './notifications.js';
export * from './review.js';
export * from './store-outage.js';
export * from './votes.js';
