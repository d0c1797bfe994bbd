import { describe, expect, it } from 'vitest';
import { cursorAfter, pageCursorSchema, parseCursor } from '../../src/protocol/pages.js';

describe('page cursors', () => {
  it('name an item whose id has dots, as vote ids do, and give it back whole', () => {
    const item = { at: new Date(1_764_000_000_123), id: 'v1.AbC_9-x.mac-part_Q' };
    const cursor = cursorAfter(item);
    expect(pageCursorSchema.safeParse(cursor).success).toBe(true);
    expect(parseCursor(cursor)).toEqual(item);
  });

  it('refuse what no list gave', () => {
    for (const bad of ['', 'abc', '123', '123.', '.abc', '12.a b', `1.${'x'.repeat(129)}`]) {
      expect(pageCursorSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
