export * from './campaigns.js';
export * from './votes.js';
