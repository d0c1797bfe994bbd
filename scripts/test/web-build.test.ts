import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWeb, WEB_PAGES } from '../web/build.js';

const outdir = mkdtempSync(join(tmpdir(), 'rb-web-build-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the web build', () => {
  it('leaves source maps out when asked to, as npm run web:build does for the image', async () => {
    await buildWeb({ outdir, sourcemap: false });
    const files = readdirSync(outdir);
    for (const page of WEB_PAGES) {
      for (const file of [`${page}.html`, `${page}.js`, `${page}.css`]) expect(files).toContain(file);
    }
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.css'))) {
      expect(readFileSync(join(outdir, file), 'utf8'), file).not.toContain('sourceMappingURL');
    }
    expect(existsSync(join(outdir, 'console.js'))).toBe(true);
  }, 60_000);
});
