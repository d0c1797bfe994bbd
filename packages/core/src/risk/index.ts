export * from './network.js';
export * from './rules.js';
