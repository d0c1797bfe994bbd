// Preloaded (node --import) into OUR server and workers when the pipeline benchmark starts them,
// with an IPC channel. It adds nothing to their work: it answers the parent's `memory` request
// with process.memoryUsage() (after a full GC when started with --expose-gc), and if the parent
// goes away without stopping them, it sends this process SIGTERM so it shuts down as usual.
import type { ServerMemory } from './messages.js';

if (process.send) {
  process.on('message', (message: unknown) => {
    const m = message as { type?: unknown; gc?: unknown };
    if (m.type !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (m.gc === true) gc?.();
    const memory: ServerMemory = { ...process.memoryUsage(), gc: m.gc === true && gc !== undefined };
    process.send?.({ type: 'memory', memory });
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.channel?.unref();
}
