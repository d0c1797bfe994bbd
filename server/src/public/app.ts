// `@rallyboard/server/app`: the whole server (express + socket.io + relay) in the caller's
// process, for tools that drive it in-process (the screen benchmark).
export { createApp } from '../app.js';
