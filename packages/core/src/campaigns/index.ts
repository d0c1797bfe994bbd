// Changes to a campaign that the server and the workers both make.
export * from './admit.js';
export * from './board-sync.js';
