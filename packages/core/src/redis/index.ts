export * from './board-cache.js';
export * from './board-store.js';
export * from './changes.js';
export * from './connection.js';
export * from './keys.js';
export * from './lock.js';
export * from './score.js';
export * from './scripts.js';
