// `@rallyboard/server/auth`: what tools outside the server (scripts/) may use of its sign-in.
// Host password hashes and participant tokens made here are the ones the server checks.
export { hashPassword, verifyPassword } from '../auth/passwords.js';
export { createTokenSigner } from '../auth/tokens.js';
