export * from './cluster-id.js';
export * from './network.js';
export * from './rules.js';
