import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeOrphanJournals } from '../../services/ferretdb.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('FerretDB data directory at start', () => {
  it('removes the WAL and shm files of dropped databases, and keeps those of databases still there', () => {
    dir = mkdtempSync(join(tmpdir(), 'rb-ferret-'));
    for (const name of [
      'rallyboard.sqlite',
      'rallyboard.sqlite-wal',
      'rallyboard.sqlite-shm',
      'bench1a2b.sqlite-wal',
      'bench1a2b.sqlite-shm',
      'floor9.sqlite-wal',
      'notes.txt',
    ]) {
      writeFileSync(join(dir, name), 'x');
    }
    expect(removeOrphanJournals(dir).sort()).toEqual([
      'bench1a2b.sqlite-shm',
      'bench1a2b.sqlite-wal',
      'floor9.sqlite-wal',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'notes.txt',
      'rallyboard.sqlite',
      'rallyboard.sqlite-shm',
      'rallyboard.sqlite-wal',
    ]);
  });

  it('does nothing when the directory does not exist yet (a fresh clone)', () => {
    expect(removeOrphanJournals(join(tmpdir(), 'rb-ferret-missing-dir-for-test'))).toEqual([]);
  });
});
