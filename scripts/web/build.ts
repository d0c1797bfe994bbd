import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the web pages' sources are, and where the build writes what the server serves. */
export const WEB_SRC = `${ROOT}web/src`;
export const WEB_DIST = `${ROOT}web/dist`;

/** One entry per page: `web/src/<page>/main.ts` and `index.html` → `web/dist/<page>.{js,css,html}`. */
export const WEB_PAGES = ['screen', 'console'] as const;
export type WebPage = (typeof WEB_PAGES)[number];

export interface WebBuildOptions {
  /** @default true */
  minify?: boolean;
  /**
   * Write source maps beside the bundles. `npm start` and the tests keep them for debugging;
   * `npm run web:build` (what `npm run build` and the server's image run) leaves them out unless
   * given `--sourcemap`, and the server never serves one in production (pages/routes.ts).
   * @default true
   */
  sourcemap?: boolean;
  /** Where the build goes. @default WEB_DIST */
  outdir?: string;
}

export interface WebBuildReport {
  /** Output files and their sizes in bytes. */
  outputs: Record<string, number>;
  ms: number;
}

/**
 * Bundles the web pages with esbuild: TypeScript straight from the sources (and
 * `@rallyboard/core/protocol` from its sources too, through the `rallyboard-source` condition,
 * as the server runs it), ECharts tree-shaken to the parts a page imports, one script and one
 * stylesheet per page. Takes about a second, so `npm start`, `npm test` and the server's image
 * build it every time rather than trust a stale `web/dist/`.
 */
export async function buildWeb(options: WebBuildOptions = {}): Promise<WebBuildReport> {
  const started = performance.now();
  const outdir = options.outdir ?? WEB_DIST;
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    // Paths in the metafile (the report) are relative to the root, wherever this runs from.
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(WEB_PAGES.map((page) => [page, `${WEB_SRC}/${page}/main.ts`])),
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'safari16'],
    conditions: ['rallyboard-source'],
    minify: options.minify ?? true,
    sourcemap: (options.sourcemap ?? true) ? 'linked' : false,
    metafile: true,
    legalComments: 'linked',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const page of WEB_PAGES) copyFileSync(`${WEB_SRC}/${page}/index.html`, `${outdir}/${page}.html`);
  const outputs = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([file, meta]) => [file, meta.bytes]),
  );
  return { outputs, ms: Math.round(performance.now() - started) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildWeb({ sourcemap: process.argv.includes('--sourcemap') }).then(
    (report) => {
      for (const [file, bytes] of Object.entries(report.outputs)) {
        if (!file.endsWith('.map')) console.log(`${file.padEnd(32)} ${(bytes / 1024).toFixed(1)} KiB`);
      }
      console.log(`web built in ${report.ms} ms`);
    },
    (error: unknown) => {
      console.error('✗ the web build failed:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
