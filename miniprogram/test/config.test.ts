import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMiniprogram, parseBuildSettings } from '../../scripts/miniprogram/build.js';

// Where a build of the mini-program looks for its server: the local default, a build pointed at
// production (npm run miniprogram:build -- --api https://…), or a platform's ext.json.
const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

type Config = { settings: { apiBase: string; rankTopN: number } };

/** The compiled config module of a build with these settings (its own folder, fresh). */
async function builtConfig(settings: Parameters<typeof compileMiniprogram>[1] = {}): Promise<Config> {
  const cache = join(ROOT, 'node_modules/.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'rallyboard-miniprogram-config-'));
  dirs.push(dir);
  await compileMiniprogram(dir, settings);
  return require(join(dir, 'config.js')) as Config;
}

describe('the build settings', () => {
  it('take an https origin, or http on a loopback or LAN address, and a top N', () => {
    expect(parseBuildSettings('https://vote.example.com/', '20')).toEqual({
      apiBase: 'https://vote.example.com',
      rankTopN: 20,
    });
    expect(parseBuildSettings('http://192.168.1.20:3000', undefined)).toEqual({
      apiBase: 'http://192.168.1.20:3000',
    });
    expect(parseBuildSettings(undefined, undefined)).toEqual({});
  });

  it('refuse what a released mini-program could not reach, saying why', () => {
    expect(() => parseBuildSettings('http://vote.example.com', undefined)).toThrow(/must be https/);
    expect(() => parseBuildSettings('http://127.example.com', undefined)).toThrow(/must be https/);
    expect(() => parseBuildSettings('http://10.evil.net', undefined)).toThrow(/must be https/);
    expect(() => parseBuildSettings('https://vote.example.com/api', undefined)).toThrow(/without path/);
    expect(() => parseBuildSettings('vote.example.com', undefined)).toThrow(/not a URL/);
    expect(() => parseBuildSettings(undefined, '0')).toThrow(/rank-top-n/);
  });
});

describe('a compiled mini-program', () => {
  it('keeps the local server by default, and starts from a build pointed elsewhere', async () => {
    expect((await builtConfig()).settings.apiBase).toBe('http://127.0.0.1:3000');
    const pointed = await builtConfig({ apiBase: 'https://vote.example.com', rankTopN: 20 });
    expect(pointed.settings).toMatchObject({ apiBase: 'https://vote.example.com', rankTopN: 20 });
  });

  it("takes a platform's ext.json settings when they are well formed, and ignores the rest", async () => {
    const withExt = async (ext: unknown) => {
      // As the WeChat runtime offers it while the module loads: wx.getExtConfigSync().
      (globalThis as { wx?: unknown }).wx = { getExtConfigSync: () => ext };
      try {
        return (await builtConfig()).settings;
      } finally {
        delete (globalThis as { wx?: unknown }).wx;
      }
    };
    expect(await withExt({ apiBase: 'https://tenant.example.com', rankTopN: 15 })).toMatchObject({
      apiBase: 'https://tenant.example.com',
      rankTopN: 15,
    });
    for (const ext of [
      { apiBase: 'https://x.example.com/path', rankTopN: -1 },
      { apiBase: 'http://plain.example.com' },
      { apiBase: 'https://user@x.example.com' },
      null,
      'https://y.example.com',
    ]) {
      expect(await withExt(ext)).toMatchObject({ apiBase: 'http://127.0.0.1:3000', rankTopN: 10 });
    }
  });
});
