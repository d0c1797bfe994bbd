// `npm run seed`: seeds the demo campaign and its board (idempotent) and signs a fresh token for the demo
// participant, printing a vote to try with it.
import { loadConfig } from '@rallyboard/core/config';
import { demoParticipantToken, seedDemoBoard, voteCommand } from './demo-board.js';
import { localStackEnv } from './local-secret.js';

// The secret `npm start` keeps in .data/, so the token it prints is one the local server accepts.
const config = loadConfig(localStackEnv(process.env));
const board = await seedDemoBoard(config);
const voter = await demoParticipantToken(config);
const [first] = board.members;
console.log(`seeded campaign "${board.boardId}" with ${board.members.length} candidates

Cast a vote as the demo participant ${voter.participantId} (token valid until ${voter.expiresAt.toISOString()}):
${voteCommand(config.http.publicUrl, first?.candidateId ?? 'c01', voter.token)}`);
process.exit(0);
