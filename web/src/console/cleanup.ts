/** What a view leaves behind when the console moves on: timers, sockets, charts. */
export type Cleanup = () => void;
