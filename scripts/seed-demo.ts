// `npm run seed`: registers the demo board (idempotent).
import { loadConfig } from '@rallyboard/core/config';
import { seedDemoBoard } from './demo-board.js';

const board = await seedDemoBoard(loadConfig());
console.log(`seeded board "${board.boardId}" with ${board.members.length} candidates`);
process.exit(0);
