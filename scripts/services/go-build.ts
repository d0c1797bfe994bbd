import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { PATHS } from './paths.js';
import { onPath, run, ServiceError } from './process.js';

export interface GoBuild {
  /** Module path, e.g. github.com/FerretDB/FerretDB. */
  module: string;
  /** Exact version to build, e.g. v1.24.2. */
  version: string;
  /** Package to build, relative to the module root, e.g. ./cmd/ferretdb. */
  pkg: string;
  /** Output binary path. */
  output: string;
  /** Files to write into the module copy before building (generated files the zip lacks). */
  files?: Record<string, string>;
  /** Linker flags, e.g. to stamp a version. */
  ldflags?: string;
  /** What to tell the user to do instead, should the build fail. */
  fallback: string;
}

/**
 * Builds a pinned Go module version from the Go module proxy: `go mod download` of exactly that
 * version, a writable copy out of the read-only module cache (plus any generated files the module
 * zip lacks), then `go build`. No version lists are consulted, so it works where the proxy
 * refuses them.
 */
export async function buildGoModule(spec: GoBuild): Promise<void> {
  if (!(await onPath('go'))) {
    throw new ServiceError(
      `Building ${spec.module} needs Go, which is not on PATH.`,
      `Install Go (1.22 or newer), or ${spec.fallback}.`,
    );
  }
  const download = await run('go', ['mod', 'download', '-json', `${spec.module}@${spec.version}`]);
  const dir = /"Dir":\s*"([^"]+)"/.exec(download.stdout)?.[1];
  if (download.code !== 0 || !dir) {
    throw new ServiceError(
      `Downloading ${spec.module}@${spec.version} failed:\n${(download.stdout + download.stderr).trim().slice(-800)}`,
      `Check that the Go module proxy is reachable (go env GOPROXY), or ${spec.fallback}.`,
    );
  }
  const name = spec.module.split('/').slice(-2).join('-');
  const src = `${PATHS.toolsSrc}/${name}@${spec.version}`;
  rmSync(src, { recursive: true, force: true });
  mkdirSync(PATHS.toolsSrc, { recursive: true });
  const copy = await run('cp', ['-R', dir, src]);
  const writable = await run('chmod', ['-R', 'u+w', src]);
  if (copy.code !== 0 || writable.code !== 0) {
    throw new ServiceError(
      `Copying ${spec.module} to ${src} failed: ${copy.stderr}${writable.stderr}`,
      'Check free disk space.',
    );
  }
  for (const [file, content] of Object.entries(spec.files ?? {})) writeFileSync(`${src}/${file}`, content);
  const args = [
    'build',
    '-trimpath',
    '-o',
    spec.output,
    ...(spec.ldflags ? ['-ldflags', spec.ldflags] : []),
    spec.pkg,
  ];
  const build = await run('go', args, {
    cwd: src,
    env: { ...process.env, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
  });
  rmSync(src, { recursive: true, force: true });
  if (build.code !== 0) {
    throw new ServiceError(
      `Building ${spec.module}@${spec.version} failed (exit ${build.code}):\n${build.stderr.trim().slice(-800)}`,
      `Check the Go toolchain (go version), or ${spec.fallback}.`,
    );
  }
}
