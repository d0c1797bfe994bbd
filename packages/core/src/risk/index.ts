export * from './cluster-id.js';
export * from './defaults.js';
export * from './evidence.js';
export * from './network.js';
export * from './rules.js';
