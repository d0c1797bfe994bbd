// The verifiable lottery draw: server, verifier and tests run the same function.
export * from './draw.js';
