import { describe, expect, it } from 'vitest';
import { ownerOf, selfTimes } from '../../../bench/profile/summary.js';

describe('a CPU profile summed up', () => {
  it('names who owns a frame: a package, node, our source or V8', () => {
    expect(ownerOf('file:///w/node_modules/express/lib/router.js', 'handle')).toBe('express');
    expect(ownerOf('file:///w/node_modules/@socket.io/component-emitter/index.js', 'emit')).toBe(
      '@socket.io/component-emitter',
    );
    expect(ownerOf('node:internal/streams/writable', 'write')).toBe('node internals');
    expect(ownerOf('file:///w/server/src/ingest/routes.ts', 'vote')).toBe('ours: server');
    expect(ownerOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(ownerOf('', 'writev')).toBe('(native)');
  });

  it('charges each sample to the node it landed in, by the time since the one before', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: 'a', url: 'x', lineNumber: 0 } },
        { id: 2, callFrame: { functionName: 'b', url: 'x', lineNumber: 0 } },
      ],
      samples: [1, 2, 2, 1],
      timeDeltas: [10, 20, 30, 40],
    };
    const times = selfTimes(profile, (n) => n.callFrame.functionName);
    expect(Object.fromEntries(times)).toEqual({ a: 50, b: 50 });
  });
});
