import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIPROGRAM_DIR, staleGeneratedFiles } from '../../scripts/miniprogram/build.js';
import { compileForTest } from './support/compiled.js';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const appJson = JSON.parse(readFileSync(join(MINIPROGRAM_DIR, 'app.json'), 'utf8')) as { pages: string[] };
let build: Awaited<ReturnType<typeof compileForTest>>;
let out: string;
let compiled: string[];

beforeAll(async () => {
  build = await compileForTest();
  out = build.dir;
  compiled = build.files;
});
afterAll(async () => {
  await build.remove();
});

describe('the mini-program build', () => {
  it('keeps the generated protocol copy and npm bundles in step with their sources', async () => {
    // Stale after a change to packages/core/src/protocol or a dependency: npm run miniprogram:build.
    expect(await staleGeneratedFiles()).toEqual([]);
  });

  it('has every page app.json lists, each with its four files', () => {
    expect(appJson.pages.length).toBeGreaterThan(0);
    for (const page of appJson.pages) {
      for (const ext of ['json', 'wxml', 'wxss', 'ts']) {
        expect(existsSync(join(MINIPROGRAM_DIR, `${page}.${ext}`)), `${page}.${ext}`).toBe(true);
      }
      expect(compiled, page).toContain(`${page}.js`);
    }
  });

  it('opens share links and scanned codes on a page it has', async () => {
    const { SHARE_PAGE } = await import('../protocol/referrals.js');
    expect(appJson.pages).toContain(SHARE_PAGE);
  });

  it('type-checks', async () => {
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    const result = await promisify(execFile)(tsc, ['-p', join(MINIPROGRAM_DIR, 'tsconfig.json')]).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
    );
    expect(result.stdout).toBe('');
  });

  it('compiles every script to a module whose requires all resolve inside the mini-program', async () => {
    const npm = new Set(['zod', 'engine.io-parser', 'engine.io-client', 'socket.io-client']);
    for (const file of compiled.filter((f) => f.endsWith('.js') && !f.startsWith('miniprogram_npm/'))) {
      const code = await readFile(join(out, file), 'utf8');
      expect(code, file).not.toMatch(/^\s*(import|export)\s/m);
      for (const [, target] of code.matchAll(/require\("([^"]+)"\)/g)) {
        if (target === undefined) continue;
        if (!target.startsWith('.')) {
          // The mini-program's require finds a package name in miniprogram_npm/<name>/index.js.
          expect(npm.has(target), `${file} requires ${target}`).toBe(true);
          expect(compiled).toContain(`miniprogram_npm/${target}/index.js`);
          continue;
        }
        const resolved = posix.normalize(posix.join(posix.dirname(file), target));
        expect(compiled, `${file} requires ${target}`).toContain(
          resolved.endsWith('.js') ? resolved : `${resolved}.js`,
        );
      }
    }
  });

  it("compiles every WXML and WXSS file with WeChat's own compilers", () => {
    const compiler = require('miniprogram-compiler') as {
      wxmlToJs(root: string): string;
      wxssToJs(root: string): string;
    };
    expect(compiler.wxmlToJs(out)).toContain('$gwx');
    expect(compiler.wxssToJs(out).length).toBeGreaterThan(0);
  });

  it('loads each page under Node as the mini-program would, each registering one page', () => {
    const registered: string[] = [];
    const globals = globalThis as Record<string, unknown>;
    const saved = { Component: globals.Component, App: globals.App, wx: globals.wx };
    globals.Component = (options: { methods?: Record<string, unknown> }) => {
      registered.push(Object.keys(options.methods ?? {}).includes('onLoad') ? 'page' : 'component');
    };
    globals.App = () => registered.push('app');
    try {
      for (const page of appJson.pages) require(join(out, `${page}.js`));
      require(join(out, 'app.js'));
    } finally {
      Object.assign(globals, saved);
    }
    expect(registered).toEqual([...appJson.pages.map(() => 'page'), 'app']);
  });
});
