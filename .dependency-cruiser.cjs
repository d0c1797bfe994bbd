/**
 * Architecture rules, checked by `npm run lint` (`npm run lint:deps` alone). Paths are relative to
 * the repository root and matched against where an import resolves, so `../x.js`, `./x.ts` and a
 * workspace package name (`@rallyboard/server/…`, resolved through its `rallyboard-source` export)
 * all land on the same file.
 *
 * Parsed with swc (@swc/core): dependency-cruiser otherwise reads TypeScript through the
 * `typescript` package's compiler API, which TypeScript 7 no longer has. swc does not tell
 * `import type` apart, so every rule, the cycle rule included, counts type-only imports too.
 * dependency-cruiser 17, not 18: 18 needs Node.js 22.
 */

const { readFileSync } = require('node:fs');

/** The composition roots: they wire everything and nothing imports them. */
const compositionRoots = ['^server/src/app\\.ts$', '^server/src/main\\.ts$', '^workers/src/main\\.ts$'];

/**
 * The files server's and workers' package.json `exports` name (their `rallyboard-source` targets):
 * the packages' public entries, which may re-export a composition root (`@rallyboard/server/app`
 * hands createApp to the screen benchmark). Read from the manifests, so the list cannot drift.
 */
const packageEntries = ['server', 'workers'].flatMap((dir) => {
  const { exports = {} } = JSON.parse(readFileSync(`${__dirname}/${dir}/package.json`, 'utf8'));
  return Object.values(exports)
    .map((targets) => targets['rallyboard-source'])
    .filter((target) => typeof target === 'string')
    .map((target) => `^${dir}/${target.replace(/^\.\//, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
});

/**
 * Where HTTP lives: `server/src/http/**` and each feature's route files
 * (`server/src/<feature>/routes.ts`, `<feature>/routes/**`, `<feature>/<name>-routes.ts`).
 */
const httpLayer = [
  '^server/src/http/',
  '^server/src/[^/]+/routes\\.ts$',
  '^server/src/[^/]+/routes/',
  '^server/src/[^/]+/[^/]+-routes\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included. Break the cycle along a real seam.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'server-not-to-workers',
      severity: 'error',
      comment: 'The server never imports the workers; share code through @rallyboard/core.',
      from: { path: '^server/' },
      to: { path: '^workers/' },
    },
    {
      name: 'workers-not-to-server',
      severity: 'error',
      comment: 'The workers never import the server; share code through @rallyboard/core.',
      from: { path: '^workers/' },
      to: { path: '^server/' },
    },
    {
      name: 'domain-not-to-http',
      severity: 'error',
      comment:
        'Only server/src/http/**, feature route files (<feature>/routes.ts, <feature>/routes/**, ' +
        '<feature>/*-routes.ts) and the composition roots import http/. Domain code knows nothing ' +
        'of HTTP; the routes translate.',
      from: { path: '^(server|workers)/src/', pathNot: [...httpLayer, ...compositionRoots] },
      to: { path: '^server/src/http/' },
    },
    {
      name: 'not-to-composition-root',
      severity: 'error',
      comment:
        'Nothing under server/src or workers/src imports a composition root (server/src/app.ts, ' +
        'server/src/main.ts, workers/src/main.ts); they import the features, not the other way. ' +
        "Only the roots themselves and the packages' export entries may.",
      from: { path: '^(server|workers)/src/', pathNot: [...compositionRoots, ...packageEntries] },
      to: { path: compositionRoots },
    },
    {
      name: 'protocol-no-node',
      severity: 'error',
      comment: 'packages/core/src/protocol runs in browsers and the mini-program: no Node builtins.',
      from: { path: '^packages/core/src/protocol/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'protocol-self-contained',
      severity: 'error',
      comment: 'packages/core/src/protocol imports only protocol/ and zod (the mini-program gets a copy).',
      from: { path: '^packages/core/src/protocol/' },
      to: {
        dependencyTypesNot: ['core'],
        pathNot: ['^packages/core/src/protocol/', '(^|/)node_modules/zod/'],
      },
    },
    {
      name: 'scripts-not-to-app-sources',
      severity: 'error',
      comment:
        'Scripts reach the server and the workers through their package exports ' +
        '(@rallyboard/server, @rallyboard/workers), never by a relative path into server/src or workers/src.',
      from: { path: '^scripts/' },
      // A workspace import (@rallyboard/server/auth) resolves into server/src too, through the
      // package's exports; only a relative path is forbidden.
      to: { path: '^(server|workers)/src/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'core-not-to-apps',
      severity: 'error',
      comment: '@rallyboard/core depends on nothing else in the repo.',
      from: { path: '^packages/core/' },
      to: { path: '^(server|workers|scripts|web|miniprogram)/' },
    },
    {
      name: 'core-src-self-contained',
      severity: 'error',
      comment: "@rallyboard/core's sources import only themselves, npm packages and Node builtins.",
      from: { path: '^packages/core/src/' },
      to: { dependencyTypesNot: ['core'], pathNot: ['^packages/core/', '(^|/)node_modules/'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve would slip past every rule above.',
      from: { pathNot: '^miniprogram/test/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-unresolvable-miniprogram-test',
      severity: 'error',
      comment:
        "The mini-program's tests also require() the compiled mini-program by its own root-relative " +
        "paths (require('services/votes.js') in the simulated runtime); everything else must resolve.",
      from: { path: '^miniprogram/test/' },
      to: {
        couldNotResolve: true,
        pathNot: '^((app|config)\\.js|(pages|services|utils|protocol|miniprogram_npm)/.+)$',
      },
    },
  ],
  options: {
    parser: 'swc',
    // Neither starting points nor followed, but still seen as what an import lands on (so a rule
    // can name an npm package): installed packages, build output, and the mini-program's generated
    // copy of protocol/ and its npm bundle.
    doNotFollow: {
      path: ['(^|/)node_modules/', '(^|/)dist/', '^miniprogram/protocol/', '^miniprogram/miniprogram_npm/'],
    },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      // rallyboard-source: the workspace packages' TypeScript sources, as tsx, Vitest and tsc see them.
      conditionNames: ['rallyboard-source', 'import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
  },
};
