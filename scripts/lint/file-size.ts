// `npm run lint`'s file-size check: no hand-written source file over MAX_LINES lines. Biome's
// noExcessiveLinesPerFile does not count comment lines, and comments here are meant to be written,
// so this counts every line, as `wc -l` does. Functions are Biome's (noExcessiveLinesPerFunction in
// biome.json, over the source folders; a test is held to the file limit only).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LINES = 300;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where hand-written source lives: the code and its tests alike. */
const SOURCE_DIRS = [
  'server/src',
  'server/test',
  'workers/src',
  'workers/test',
  'web/src',
  'web/test',
  'scripts',
  'miniprogram',
  'test',
];
const PACKAGES_DIR = 'packages';

/** Folders never looked into: build output, and what scripts/miniprogram/build.ts generates. */
const SKIPPED = new Set(['node_modules', 'dist', 'miniprogram/protocol', 'miniprogram/miniprogram_npm']);

const SOURCE_FILE = /\.[cm]?[jt]s$/;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (SKIPPED.has(entry.name) || SKIPPED.has(path)) continue;
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.isFile() && SOURCE_FILE.test(entry.name)) yield path;
  }
}

function lineCount(path: string): number {
  const text = readFileSync(join(ROOT, path), 'utf8');
  if (text === '') return 0;
  // A last line without a newline is still a line.
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

const packageSources = readdirSync(join(ROOT, PACKAGES_DIR), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => [`${PACKAGES_DIR}/${entry.name}/src`, `${PACKAGES_DIR}/${entry.name}/test`]);

const tooLong = [...packageSources, ...SOURCE_DIRS]
  .flatMap((dir) => [...sourceFiles(dir)])
  .map((path) => ({ path, lines: lineCount(path) }))
  .filter(({ lines }) => lines > MAX_LINES)
  .sort((a, b) => b.lines - a.lines);

if (tooLong.length > 0) {
  for (const { path, lines } of tooLong) {
    console.error(`${path}: ${lines} lines (at most ${MAX_LINES})`);
  }
  console.error(
    `\n✖ ${tooLong.length} source file(s) over ${MAX_LINES} lines: split each along a real seam.`,
  );
  process.exitCode = 1;
}
