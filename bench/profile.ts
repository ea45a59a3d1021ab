/**
 * Where sluice's time goes on workload A: builds dist/ (what users run), runs `map` or a `submit`
 * loop of 100k trivial async tasks under `node --cpu-prof`, and prints self time by function and
 * by kind (garbage collection, async_hooks, sluice's engine, RxJS, the rest).
 *
 *   npm run bench:profile                 # map
 *   npm run bench:profile -- submit       # the submit loop
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = 100_000;
const ROUNDS = 15;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Profiles workload A for `map` or a `submit` loop; returns the report as lines of text. */
export function profileWorkloadA(mode: 'map' | 'submit'): string[] {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-profile-'));
  const script = path.join(dir, 'run.mjs');
  const body =
    mode === 'map'
      ? 'inc.map(xs).result()'
      : 'Promise.all(xs.map((x) => inc.submit(x)).map((f) => f.result()))';
  writeFileSync(
    script,
    `import { ConcurrentTaskRunner, flow, task } from ${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))};
  const inc = task('inc', async (x) => x + 1);
  const run = flow({ name: 'profile', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 16 }) }, (xs) => ${body});
  const xs = Array.from({ length: ${N} }, (_, i) => i);
  const times = [];
  for (let r = 0; r < ${ROUNDS}; r++) { const t = performance.now(); await run(xs); times.push((performance.now() - t) * 1000 / ${N}); }
  times.sort((a, b) => a - b);
  console.log('µs/task over ${ROUNDS} rounds of ${N}: median', times[${ROUNDS} >> 1].toFixed(3), 'best', times[0].toFixed(3));
  `,
  );
  const timing = execFileSync('node', ['--cpu-prof', `--cpu-prof-dir=${dir}`, script], { encoding: 'utf8' }).trim();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no profile written');
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map<string, number>();
  const byKind = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.includes('/main/dist/') || (url.includes('/dist/') && !url.includes('node_modules'))
      ? url.slice(url.indexOf('/dist/') + 1)
      : url.split('/').slice(-3).join('/');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    selfTime.set(key, (selfTime.get(key) ?? 0) + dt);
    const kind =
      functionName === '(garbage collector)'
        ? 'garbage collection'
        : url.includes('async_hooks')
          ? 'async_hooks (AsyncLocalStorage promise hooks)'
          : url.includes('node_modules/rxjs')
            ? 'rxjs'
            : url.includes('/dist/')
              ? 'sluice engine'
              : functionName === '(idle)' || functionName === '(program)'
                ? 'idle / program'
                : 'other (Node internals, the script)';
    byKind.set(kind, (byKind.get(kind) ?? 0) + dt);
    total += dt;
  });
  const pct = (t: number): string => `${((100 * t) / total).toFixed(1)}%`;
  const lines = [`${mode}: ${timing}`, '', 'Self time by kind:'];
  for (const [kind, t] of [...byKind].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(t).padStart(6)}  ${kind}`);
  lines.push('', 'Top functions by self time:');
  for (const [key, t] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`  ${pct(t).padStart(6)}  ${key}`);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(profileWorkloadA(process.argv[2] === 'submit' ? 'submit' : 'map').join('\n'));
}
