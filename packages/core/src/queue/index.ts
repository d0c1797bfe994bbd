export * from './campaigns.js';
export * from './review.js';
export * from './votes.js';
