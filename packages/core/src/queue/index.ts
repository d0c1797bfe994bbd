export * from './votes.js';
