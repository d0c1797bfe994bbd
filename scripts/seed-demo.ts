// `npm run seed`: seeds the demo campaign and its board (idempotent) and signs a fresh token for the demo
// participant, printing a vote to try with it.
import { loadConfig } from '@rallyboard/core/config';
import { demoParticipantToken, seedDemoBoard, voteCommand } from './demo-board.js';

const config = loadConfig();
const board = await seedDemoBoard(config);
const voter = await demoParticipantToken(config);
const [first] = board.members;
console.log(`seeded campaign "${board.boardId}" with ${board.members.length} candidates

Cast a vote as the demo participant ${voter.participantId} (token valid until ${voter.expiresAt.toISOString()}):
${voteCommand(config.http.publicUrl, first?.candidateId ?? 'c01', voter.token)}`);
process.exit(0);
