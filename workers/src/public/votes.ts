// `@rallyboard/workers/votes`: the vote worker in the caller's process, for tools that run the
// pipeline in-process (the screen benchmark).
export { createVoteWorker } from '../votes/vote-worker.js';
