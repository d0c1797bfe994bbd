/**
 * `npm run bench:profile -- <file.cpuprofile> [--top n]`: what a V8 CPU profile (node --cpu-prof,
 * e.g. from `npm run bench:pipeline -- --cpu-prof`) spent its time on. Prints the share of
 * samples by package (node_modules/<package>, node's own internals, our source, V8's (idle),
 * (garbage collector) and (program)), then the top functions by self time with their files.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ownerOf, type Profile, selfTimes, table } from './summary.js';

function main(): void {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' } },
    allowPositionals: true,
  });
  const [file] = positionals;
  if (!file) {
    console.error('usage: npm run bench:profile -- <file.cpuprofile> [--top n]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const top = Number(values.top);
  const total = profile.timeDeltas.reduce((a, b) => a + b, 0);
  const byOwner = selfTimes(profile, (n) => ownerOf(n.callFrame.url, n.callFrame.functionName));
  const byFunction = selfTimes(profile, ({ callFrame: f }) => {
    const where = f.url.replace(/^file:\/\/.*?\/(node_modules|server|workers|packages|scripts)\//, '$1/');
    return `${f.functionName || '(anonymous)'}  ${where}${where ? `:${f.lineNumber + 1}` : ''}`;
  });
  const busy = total - (byOwner.get('(idle)') ?? 0);
  console.log(
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (shares below are of the busy time)`,
  );
  byOwner.delete('(idle)');
  byFunction.delete('(idle)  ');
  console.log(table('\nBy package (self time)', byOwner, top, busy).join('\n'));
  console.log(table('\nTop functions (self time)', byFunction, top, busy).join('\n'));
}

main();
