/**
 * The service at this commit against the service at a baseline commit, in one run: `bench:backup` and
 * `bench:restore` run alternately on the two builds, round after round, so both see the same machine and the same
 * load. Each invocation also times its shell reference (`pg_dump | zstd`, `zstd -dc | pg_restore`), so a round's
 * service time can be read against the shell on the same minute. Writes bench/results/compare.md and compare.json.
 *
 *   BENCH_BASELINE=<git ref> npm run bench:compare
 *
 * Environment:
 *   BENCH_BASELINE            the commit to compare with (required): built into a temporary git worktree
 *   BENCH_COMPARE_ROUNDS=2    rounds; each round runs both benches once on each build, the builds in a rotated order
 *   the other BENCH_* variables are passed to the benches (BENCH_DB_MB, BENCH_PG_*, BENCH_REDIS_URL, BENCH_TMPDIR…);
 *   BENCH_ROUNDS is 1 inside each invocation, and `pg_restore -j 2` is skipped (BENCH_RESTORE_J2=0)
 *
 * See bench/README.md.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DIST, RESULTS_DIR, ROOT, TMP_BASE } from './lib/bench-config.js';
import { cleanup, errorMessage, intFromEnv, onCleanup } from './lib/harness.js';
import { run } from './lib/process.js';
import type { BenchResults } from './lib/report.js';
import type { RestoreBenchResults } from './lib/restore-report.js';
import { median, rotate } from './lib/stats.js';

const ROUNDS = intFromEnv('BENCH_COMPARE_ROUNDS', 2, 1);
const BENCHES = ['backup', 'restore'] as const;
type BenchName = (typeof BENCHES)[number];

const log = (line: string) => console.log(line);

interface Build {
  name: 'baseline' | 'current';
  commit: string;
  dist: string;
}

/** One invocation's figures: the service's time and its shell reference's, in seconds. */
interface Sample {
  round: number;
  bench: BenchName;
  build: Build['name'];
  service: number;
  shell: number;
}

async function git(args: string[], cwd = ROOT): Promise<string> {
  const result = await run('git', ['-C', cwd, ...args]);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Checks the baseline out into a temporary worktree that shares this checkout's node_modules, and builds it. */
async function buildBaseline(ref: string, tmp: string): Promise<Build> {
  const commit = await git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const dir = path.join(tmp, `baseline-${commit.slice(0, 12)}`);
  await git(['worktree', 'add', '--detach', dir, commit]);
  onCleanup(`remove the worktree ${dir}`, async () => {
    await git(['worktree', 'remove', '--force', dir]);
  });
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  log(`[compare] building the baseline ${commit.slice(0, 12)} in ${dir}`);
  const nest = path.join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
  const built = await run(process.execPath, [nest, 'build'], process.env, dir);
  if (built.code !== 0) throw new Error(`building ${commit} failed: ${built.stdout}${built.stderr}`);
  return { name: 'baseline', commit, dist: path.join(dir, 'dist') };
}

/** Runs one bench once on one build; its report goes to `resultsDir`. */
async function runBench(bench: BenchName, build: Build, resultsDir: string): Promise<BenchResults | RestoreBenchResults> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_DIST: build.dist,
    BENCH_ROUNDS: '1',
    BENCH_RESTORE_J2: '0',
    BENCH_RESULTS_DIR: resultsDir,
  };
  const result = await run(process.execPath, [path.join(ROOT, 'dist-bench', 'bench', `${bench}.js`)], env);
  if (result.code !== 0) throw new Error(`bench:${bench} on the ${build.name} build exited with ${result.code}:\n${result.stdout.slice(-4000)}${result.stderr.slice(-2000)}`);
  return JSON.parse(await readFile(path.join(resultsDir, `${bench}.json`), 'utf8')) as BenchResults | RestoreBenchResults;
}

interface MethodTimes {
  id: string;
  time?: { median: number };
}

function methodMedian(methods: MethodTimes[], id: string): number {
  const found = methods.find((method) => method.id === id)?.time?.median;
  if (found === undefined) throw new Error(`the bench's report has no time for ${id}`);
  return found;
}

/** The service's time and the shell reference's, from one bench report. */
function figures(report: BenchResults | RestoreBenchResults): { service: number; shell: number } {
  if ('methods' in report) return { service: methodMedian(report.methods, 'service'), shell: methodMedian(report.methods, 'shell-zstd') };
  return { service: methodMedian(report.restore.methods, 'service-restore'), shell: methodMedian(report.restore.methods, 'shell-restore') };
}

function summaryLine(samples: Sample[], bench: BenchName): string {
  const of = (build: Build['name']) => samples.filter((s) => s.bench === bench && s.build === build);
  const service = (build: Build['name']) => median(of(build).map((s) => s.service));
  const relative = (build: Build['name']) => median(of(build).map((s) => s.service / s.shell));
  const raw = service('current') / service('baseline');
  const normalised = relative('current') / relative('baseline');
  return (
    `| ${bench} | ${service('baseline').toFixed(2)} | ${service('current').toFixed(2)} | ${raw.toFixed(3)} | ` +
    `${relative('baseline').toFixed(3)} | ${relative('current').toFixed(3)} | ${normalised.toFixed(3)} |`
  );
}

function renderMarkdown(builds: Build[], samples: Sample[], startedAt: string): string {
  const lines = [
    '# The service at this commit vs a baseline commit',
    '',
    `Generated by \`npm run bench:compare\` (bench/compare.ts) from ${startedAt} to ${new Date().toISOString()}: ` +
      `${ROUNDS} round(s), each running bench:backup and bench:restore once (BENCH_ROUNDS=1) on each build, the builds in a rotated order.`,
    '',
    ...builds.map((b) => `- ${b.name}: \`${b.commit}\` (${path.relative(ROOT, b.dist) || b.dist})`),
    '',
    '| Bench | Baseline s (median) | Current s (median) | Current / baseline | Baseline / shell | Current / shell | Current / baseline, per shell |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...BENCHES.map((bench) => summaryLine(samples, bench)),
    '',
    'Service times as the benches measure them (backup: POST /backups to `success`; restore: POST /backups/:id/restore to `success`). ' +
      'The shell reference is `pg_dump -Fc -Z0 | zstd -1 -T0` for backup and `zstd -dc file | pg_restore` for restore, timed in the same invocation; ' +
      'the last column divides out the machine\'s load of that minute.',
    '',
    '## Every invocation (seconds)',
    '',
    '| Round | Bench | Build | Service | Shell | Service / shell |',
    '|---:|---|---|---:|---:|---:|',
    ...samples.map((s) => `| ${s.round} | ${s.bench} | ${s.build} | ${s.service.toFixed(2)} | ${s.shell.toFixed(2)} | ${(s.service / s.shell).toFixed(3)} |`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const ref = process.env.BENCH_BASELINE;
  if (!ref) throw new Error('BENCH_BASELINE must name the commit to compare with, e.g. BENCH_BASELINE=HEAD~3');
  if (!existsSync(path.join(DIST, 'main.js'))) throw new Error(`${DIST}/main.js is missing: build the service first (npm run build)`);
  const startedAt = new Date().toISOString();
  const tmp = await mkdtemp(path.join(TMP_BASE, 'bench-compare-'));
  onCleanup(`remove ${tmp}`, () => rm(tmp, { recursive: true, force: true }));

  const current: Build = { name: 'current', commit: await git(['rev-parse', 'HEAD']), dist: DIST };
  const dirty = await git(['status', '--porcelain', '--untracked-files=no']);
  if (dirty) log('[compare] note: the working tree has uncommitted changes; "current" is the built dist/, not only HEAD');
  const builds = [await buildBaseline(ref, tmp), current];
  const samples: Sample[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const build of rotate(builds, round - 1)) {
      for (const bench of BENCHES) {
        const resultsDir = path.join(tmp, 'results', `${build.name}-${bench}-${round}`);
        await mkdir(resultsDir, { recursive: true });
        log(`[compare] round ${round}/${ROUNDS}: bench:${bench} on the ${build.name} build`);
        const sample = { round, bench, build: build.name, ...figures(await runBench(bench, build, resultsDir)) };
        samples.push(sample);
        log(`[compare]   service ${sample.service.toFixed(2)} s, shell ${sample.shell.toFixed(2)} s`);
      }
    }
  }
  await mkdir(RESULTS_DIR, { recursive: true });
  const markdown = renderMarkdown(builds, samples, startedAt);
  await writeFile(path.join(RESULTS_DIR, 'compare.md'), markdown);
  await writeFile(path.join(RESULTS_DIR, 'compare.json'), `${JSON.stringify({ startedAt, builds, samples }, null, 2)}\n`);
  log(markdown);
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`[compare] ${errorMessage(error)}`);
} finally {
  await cleanup();
}
process.exit(exitCode);
