// `npm run bench`: builds, then measures the session core against its baselines in one run
// and prints medians, ratios and PASS/MISS against each target. Results also go to
// bench/results/latest.json. Options: --quick (smaller, for trying the bench itself),
// --only=listing,update,throughput,engine,mapreduce,claude,cli.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import { benchListing } from './listing.mjs';
import { benchUpdateLatency } from './updateLatency.mjs';
import { benchThroughput } from './throughput.mjs';
import { benchEngine } from './engine.mjs';
import { benchMapReduce } from './mapreduce.mjs';
import { benchCli } from './cli.mjs';
import { runWorker } from './lib/child.mjs';
import { ms, times, verdict } from './lib/stats.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (name) => !only || only.includes(name);

const config = {
  listing: quick
    ? { count: 2_000, freshSamples: 3, noIndexSamples: 1, warmRounds: 4 }
    : { count: 10_000, freshSamples: 15, noIndexSamples: 3, warmRounds: 12 },
  update: quick ? { iterations: 100, warmup: 20 } : { iterations: 500, warmup: 50 },
  throughput: quick
    ? { perProcess: 50, rounds: 1, processCounts: [1, 4] }
    : { perProcess: 250, rounds: 3, processCounts: [1, 4] },
  engine: quick ? { steps: 50, rounds: 2 } : { steps: 200, rounds: 11 },
  claude: quick ? { bytes: 5 * 1024 * 1024, rounds: 5 } : { bytes: 5 * 1024 * 1024, rounds: 41 },
  cli: quick
    ? { startupRounds: 5, listCount: 2_000, listRounds: 3, runSteps: 50, runRounds: 2 }
    : { startupRounds: 21, listCount: 10_000, listRounds: 11, runSteps: 200, runRounds: 9 },
  mapreduce: quick
    ? { items: 16, parallel: 8, sleepSec: 1, overheadItems: 8, rounds: 1 }
    : { items: 64, parallel: 8, sleepSec: 1, overheadItems: 24, rounds: 3 },
};

const log = (line = '') => console.log(line);

const git = (...argv) => {
  try {
    return execFileSync('git', argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};

function printListing(l) {
  log(
    `  naive, fresh process     median ${ms(l.naiveFresh.median)}  (p10 ${ms(l.naiveFresh.p10)}, p90 ${ms(l.naiveFresh.p90)}, n=${l.naiveFresh.n})`,
  );
  log(
    `  ours cold, fresh process median ${ms(l.cold.median)}  (p10 ${ms(l.cold.p10)}, p90 ${ms(l.cold.p90)}, n=${l.cold.n})`,
  );
  log(`  ours, no index (info)    median ${ms(l.noIndex.median)}  (n=${l.noIndex.n})`);
  log(
    `  naive, in-process        median ${ms(l.naiveWarm.median)}  (p10 ${ms(l.naiveWarm.p10)}, p90 ${ms(l.naiveWarm.p90)}, n=${l.naiveWarm.n})`,
  );
  log(`  ours, first call in-process (info) ${ms(l.firstInProcessMs)}  (index present, 1 sample)`);
  log(
    `  ours warm, in-process    median ${ms(l.warm.median)}  (p10 ${ms(l.warm.p10)}, p90 ${ms(l.warm.p90)}, n=${l.warm.n})`,
  );
  log(`  ours warm, limit 50      median ${ms(l.warmPage50.median)}  (n=${l.warmPage50.n})`);
  log(
    `  → cold: naive/ours = ${times(l.ratios.coldSpeedup)} (paired: ${times(l.ratios.coldPairedMedian)})  target ≥ ${l.target}×  ${verdict(l.pass.cold)}`,
  );
  log(
    `  → warm: naive/ours = ${times(l.ratios.warmSpeedup)} (paired: ${times(l.ratios.warmPairedMedian)})  target ≥ ${l.target}×  ${verdict(l.pass.warm)}`,
  );
  log(`  → no index (info): naive/ours = ${times(l.ratios.noIndexSpeedup)}`);
}

function printUpdate(u) {
  log(`  updateSession()  median ${ms(u.update.median, 3)}  p90 ${ms(u.update.p90, 3)}`);
  log(`  floor write      median ${ms(u.floor.median, 3)}  p90 ${ms(u.floor.p90, 3)}`);
  log(
    `  → median ratio ${times(u.ratio)} (+${ms(u.extraMs, 3)}), p90 ratio ${times(u.p90Ratio)}, ` +
      `median of paired ratios ${times(u.pairedRatioMedian)}`,
  );
  log(`  → target ≤ ${u.target}× floor  ${verdict(u.pass)}`);
  if (!u.pass) {
    const share = (x) => times(x / u.floor.median);
    log(
      `  what prevents it, measured: a locked update needs more than the floor's write. Its lock (mkdir + rmdir, ` +
        `as proper-lockfile takes it) costs ${ms(u.lockMs, 3)} = ${share(u.lockMs)} of the floor, and reading, ` +
        `parsing and serializing the record ${ms(u.readModifyMs, 3)} = ${share(u.readModifyMs)}: together ` +
        `${share(u.lockMs + u.readModifyMs)} of the ${times(u.target - 1)} the target leaves above the floor. The ` +
        `rest (${ms(u.extraMs - u.lockMs - u.readModifyMs, 3)}) is the freshness check, the schema check and the ` +
        `session index`,
    );
  }
  log(
    `  (info) floor + the lock and freshness check any locked update needs (mkdir + stat, stat + read): ` +
      `median ${ms(u.lockedFloor.median, 3)} → ours ${times(u.lockedFloorRatio)} of it`,
  );
}

function printThroughput(t) {
  for (const b of Object.values(t.byProcesses)) {
    log(
      `  ${b.processes} process(es): median ${b.updatesPerSecMedian.toFixed(0)} updates/s ` +
        `(${ms(1000 / b.updatesPerSecMedian, 2)} per update, wall ${ms(b.wallMsMedian, 0)}), ` +
        `lost ${b.lost}, errors ${b.errors}`,
    );
  }
  log(`  → lost updates ${t.lost}  target ${t.target}  ${verdict(t.pass)}`);
  const e = t.exitCheck;
  log(
    `  → added check: a process exiting right after updateSession() (as the CLI does) leaves no lock: ` +
      `${verdict(e.pass)}${e.pass ? '' : ` (next writer waited ${ms(e.nextWriterMs, 0)})`}`,
  );
}

function printEngine(e) {
  log(
    `  ${e.steps} bare spawns        median ${ms(e.bare.median, 0)}  (p10 ${ms(e.bare.p10, 0)}, p90 ${ms(e.bare.p90, 0)}, n=${e.bare.n})`,
  );
  log(
    `  engine, ${e.steps} steps       median ${ms(e.engine.median, 0)}  (p10 ${ms(e.engine.p10, 0)}, p90 ${ms(e.engine.p90, 0)}; ${e.checkpointsPerRun} checkpoints per run, in place)`,
  );
  log(
    `  engine + worktree (info) median ${ms(e.withWorktree.median, 0)}  (adds git worktree add and the session branch)`,
  );
  log(
    `  → engine/bare = ${times(e.ratio)} (paired: ${times(e.pairedRatioMedian)}), +${ms(e.perStepOverheadMs, 3)} per step  target ≤ ${e.target}×  ${verdict(e.pass)}`,
  );
}

function printMapReduce(m) {
  log(
    `  ${m.items} items × ${m.sleepSec} s at max_parallel ${m.parallel}: wall median ${(m.wall.median / 1000).toFixed(2)} s`,
  );
  log(
    `  → parallel efficiency (ideal/wall, median of ${m.rounds.length}) ${(100 * m.efficiency).toFixed(1)}%  target ≥ ${100 * m.target}%  ${verdict(m.pass)}`,
  );
  log(`  per-agent cost (worktree, steps, commit, merge, clean-up, state), one at a time: ${ms(m.perAgentMs, 0)}`);
  log(`  bare git worktree add + remove: median ${ms(m.bareWorktreeMs.median, 0)} → ${times(m.overheadRatio)} (info)`);
}

function printClaude(c) {
  log(
    `  stream: ${(c.bytes / 1024 / 1024).toFixed(1)} MB, ${c.lines} lines (${c.messages} messages of partial-message lines)`,
  );
  log(
    `  copy to a file        median ${ms(c.copy.median, 1)}  (p10 ${ms(c.copy.p10, 1)}, p90 ${ms(c.copy.p90, 1)}, n=${c.copy.n})`,
  );
  log(
    `  floor (info)          median ${ms(c.floor.median, 1)}  = ${times(c.floorRatio)} the copy: the same copy through this process, its lines split and every non-partial line JSON.parsed, nothing else (the engine's child writes the file itself)`,
  );
  log(`  Claude step (engine)  median ${ms(c.step.median, 1)}  (p10 ${ms(c.step.p10, 1)}, p90 ${ms(c.step.p90, 1)})`);
  log(`  whole run (info)      median ${ms(c.wall.median, 0)}  (session, checkpoint, record)`);
  log(
    `  caused: ${c.events.ui} UI events (${c.events.activity} activity lines, ${c.events.output} output lines), ${c.events.recordWrites} record writes`,
  );
  log(
    `  → step/copy = ${times(c.ratio)} (paired: ${times(c.pairedRatioMedian)})  target ≤ ${c.target}×  ${verdict(c.pass)}`,
  );
}

function printCli({ startup: s, list: l, run: r }) {
  log(
    `  node -e 0                   median ${ms(s.node.median, 1)}  (p10 ${ms(s.node.p10, 1)}, p90 ${ms(s.node.p90, 1)}, n=${s.node.n})`,
  );
  log(
    `  prodigy-vscode help         median ${ms(s.help.median, 1)}  (p10 ${ms(s.help.p10, 1)}, p90 ${ms(s.help.p90, 1)})`,
  );
  log(
    `  prodigy-vscode --version    median ${ms(s.version.median, 1)}  (p10 ${ms(s.version.p10, 1)}, p90 ${ms(s.version.p90, 1)})`,
  );
  log(
    `  → help ${times(s.ratios.help)} (paired ${times(s.paired.help)}), --version ${times(s.ratios.version)} (paired ${times(s.paired.version)}) of node -e 0  target ≤ ${s.target}×  ${verdict(s.pass)}`,
  );
  log(`  ${l.count} sessions (listed ${l.listed}):`);
  log(
    `  readdir + stat script       median ${ms(l.stat.median, 1)}  (p10 ${ms(l.stat.p10, 1)}, p90 ${ms(l.stat.p90, 1)}, n=${l.stat.n})`,
  );
  log(
    `  naive read + parse script   median ${ms(l.naive.median, 1)}  (p10 ${ms(l.naive.p10, 1)}, p90 ${ms(l.naive.p90, 1)})`,
  );
  log(
    `  sessions list --json        median ${ms(l.ours.median, 1)}  (p10 ${ms(l.ours.p10, 1)}, p90 ${ms(l.ours.p90, 1)})`,
  );
  log(
    `  the same after one session changed (info) median ${ms(l.oursChanged.median, 1)}: the listing printed last is ` +
      `kept with the identity of each file and printed again while none changed; after a change it is made anew ` +
      `(naive/this = ${times(l.naive.median / l.oursChanged.median)}, this/stat = ${times(l.oursChanged.median / l.stat.median)})`,
  );
  log(`  → naive/ours = ${times(l.ratios.naiveOverOurs)}  target ≥ ${l.targets.naive}×  ${verdict(l.pass.naive)}`);
  log(
    `  → ours/(readdir + stat) = ${times(l.ratios.oursOverStat)}  target ≤ ${l.targets.stat}×  ${verdict(l.pass.stat)}`,
  );
  if (!l.pass.naive || !l.pass.stat) {
    log(
      `  where ours goes, measured: Node's start ${ms(s.node.median, 0)}; the stat of every file (the stat script: ` +
        `${ms(l.stat.median, 0)}, a floor ours shares: a kept listing or summary is trusted only for files whose stat ` +
        `is unchanged); a filtered listing, --status Initializing --limit 1 (loading the core, the index, a stat of ` +
        `every file, printing one), ${ms(l.oursOne.median, 0)}. The ${l.targets.stat}× goal leaves ` +
        `${ms(l.stat.median * (l.targets.stat - 1), 0)} beyond the stat script; the ${l.targets.naive}× goal leaves ` +
        `${ms(l.naive.median / l.targets.naive - l.stat.median, 0)}`,
    );
  }
  log(
    `  Node script spawning ${r.steps} × sh -c true   median ${ms(r.spawn.median, 0)}  (p10 ${ms(r.spawn.p10, 0)}, p90 ${ms(r.spawn.p90, 0)}, n=${r.spawn.n})`,
  );
  log(
    `  run --no-worktree --json    median ${ms(r.inPlace.median, 0)}  (p10 ${ms(r.inPlace.p10, 0)}, p90 ${ms(r.inPlace.p90, 0)})`,
  );
  log(`  run --json (worktree, info) median ${ms(r.worktree.median, 0)}  → ${times(r.worktreeRatio)}`);
  log(
    `  → run/spawns = ${times(r.ratio)} (paired ${times(r.paired.inPlace)})  target ≤ ${r.target}×  ${verdict(r.pass)}`,
  );
  if (!r.pass) {
    const perStep = (r.inPlace.median - r.oneStep.median) / (r.steps - 1);
    const perSpawn = (r.spawn.median - r.spawnOne.median) / (r.steps - 1);
    log(
      `  where ours goes, measured: a one-step run takes ${ms(r.oneStep.median, 0)} (the script spawning once: ` +
        `${ms(r.spawnOne.median, 0)}): start-up, loading the engine, the session, its lock and its end; then ` +
        `${ms(perStep, 2)} per step against ${ms(perSpawn, 2)} per bare spawn: each step's journal line (the resume ` +
        `point, on disk before the next step starts), its process group recorded as it starts and ends, its session ` +
        `log and event lines, and its share of the record and Prodigy's checkpoint file (written with fsync at most ` +
        `every 500 ms for steps this short)`,
    );
  }
}

function summaryRows(r) {
  const rows = [];
  if (r.listing) {
    const l = r.listing;
    rows.push([
      `Listing ${l.count}, cold (fresh process)`,
      ms(l.cold.median),
      `naive ${ms(l.naiveFresh.median)}`,
      times(l.ratios.coldSpeedup),
      `≥ ${l.target}×`,
      verdict(l.pass.cold),
    ]);
    rows.push([
      `Listing ${l.count}, warm (in-process)`,
      ms(l.warm.median),
      `naive ${ms(l.naiveWarm.median)}`,
      times(l.ratios.warmSpeedup),
      `≥ ${l.target}×`,
      verdict(l.pass.warm),
    ]);
    rows.push([
      `Listing ${l.count}, no index (fresh)`,
      ms(l.noIndex.median),
      `naive ${ms(l.naiveFresh.median)}`,
      times(l.ratios.noIndexSpeedup),
      '—',
      'info',
    ]);
    rows.push([
      'Listing first page (limit 50), warm',
      ms(l.warmPage50.median),
      `naive ${ms(l.naiveWarm.median)}`,
      times(l.ratios.warmPage50Speedup),
      '—',
      'info',
    ]);
  }
  if (r.update) {
    const u = r.update;
    rows.push([
      'Update latency, median',
      ms(u.update.median, 3),
      `floor ${ms(u.floor.median, 3)}`,
      times(u.ratio),
      `≤ ${u.target}×`,
      verdict(u.pass),
    ]);
    rows.push([
      'Update latency, p90',
      ms(u.update.p90, 3),
      `floor ${ms(u.floor.p90, 3)}`,
      times(u.p90Ratio),
      '—',
      'info',
    ]);
    rows.push([
      'Update vs locked floor',
      ms(u.update.median, 3),
      `+lock ${ms(u.lockedFloor.median, 3)}`,
      times(u.lockedFloorRatio),
      '—',
      'info',
    ]);
  }
  if (r.throughput) {
    const t = r.throughput;
    for (const b of Object.values(t.byProcesses)) {
      rows.push([
        `Throughput, ${b.processes} process(es), one session`,
        `${b.updatesPerSecMedian.toFixed(0)} /s`,
        '—',
        '—',
        '—',
        'info',
      ]);
    }
    rows.push([
      'Lost updates (all runs)',
      String(t.lost),
      `of ${t.runs.reduce((s, x) => s + x.expected, 0)}`,
      '—',
      '= 0',
      verdict(t.pass),
    ]);
    rows.push([
      'Next writer after an exiting writer (added)',
      ms(t.exitCheck.nextWriterMs, 1),
      '—',
      '—',
      'no lock left',
      verdict(t.exitCheck.pass),
    ]);
  }
  if (r.engine) {
    const e = r.engine;
    rows.push([
      `Workflow of ${e.steps} shell steps (checkpointed)`,
      ms(e.engine.median, 0),
      `${e.steps} spawns ${ms(e.bare.median, 0)}`,
      times(e.ratio),
      `≤ ${e.target}×`,
      verdict(e.pass),
    ]);
    rows.push([
      `Same, in a session worktree`,
      ms(e.withWorktree.median, 0),
      `${e.steps} spawns ${ms(e.bare.median, 0)}`,
      times(e.withWorktree.median / e.bare.median),
      '—',
      'info',
    ]);
  }
  if (r.claude) {
    const c = r.claude;
    rows.push([
      `Claude step replaying ${(c.bytes / 1024 / 1024).toFixed(0)} MB stream-json`,
      ms(c.step.median, 1),
      `copy ${ms(c.copy.median, 1)}`,
      times(c.ratio),
      `≤ ${c.target}×`,
      verdict(c.pass),
    ]);
    rows.push([
      'Floor: copy + split + JSON.parse (no engine)',
      ms(c.floor.median, 1),
      `copy ${ms(c.copy.median, 1)}`,
      times(c.floorRatio),
      '—',
      'info',
    ]);
    rows.push([
      'UI events / record writes it caused',
      `${c.events.ui} / ${c.events.recordWrites}`,
      `${c.lines} lines`,
      '—',
      '—',
      'info',
    ]);
  }
  if (r.mapreduce) {
    const m = r.mapreduce;
    rows.push([
      `MapReduce ${m.items}×${m.sleepSec}s at ${m.parallel} parallel`,
      `${(m.wall.median / 1000).toFixed(2)} s`,
      'ideal 8 rounds + setup',
      `${(100 * m.efficiency).toFixed(1)}%`,
      `≥ ${100 * m.target}%`,
      verdict(m.pass),
    ]);
    rows.push([
      'Per-agent cost vs bare worktree add+remove',
      ms(m.perAgentMs, 0),
      ms(m.bareWorktreeMs.median, 0),
      times(m.overheadRatio),
      '—',
      'info',
    ]);
  }
  if (r.cli) {
    const { startup: s, list: l, run: c } = r.cli;
    rows.push([
      'CLI help (whole process)',
      ms(s.help.median, 1),
      `node -e 0 ${ms(s.node.median, 1)}`,
      times(s.ratios.help),
      `≤ ${s.target}×`,
      verdict(s.ratios.help <= s.target),
    ]);
    rows.push([
      'CLI --version (whole process)',
      ms(s.version.median, 1),
      `node -e 0 ${ms(s.node.median, 1)}`,
      times(s.ratios.version),
      `≤ ${s.target}×`,
      verdict(s.ratios.version <= s.target),
    ]);
    rows.push([
      `CLI sessions list --json, ${l.count}`,
      ms(l.ours.median, 0),
      `naive ${ms(l.naive.median, 0)}`,
      times(l.ratios.naiveOverOurs),
      `≥ ${l.targets.naive}×`,
      verdict(l.pass.naive),
    ]);
    rows.push([
      `Same vs readdir + stat only`,
      ms(l.ours.median, 0),
      `stat ${ms(l.stat.median, 0)}`,
      times(l.ratios.oursOverStat),
      `≤ ${l.targets.stat}×`,
      verdict(l.pass.stat),
    ]);
    rows.push([
      `CLI run, ${c.steps} shell steps (whole process)`,
      ms(c.inPlace.median, 0),
      `spawns ${ms(c.spawn.median, 0)}`,
      times(c.ratio),
      `≤ ${c.target}×`,
      verdict(c.pass),
    ]);
    rows.push([
      `Same, in a session worktree`,
      ms(c.worktree.median, 0),
      `spawns ${ms(c.spawn.median, 0)}`,
      times(c.worktreeRatio),
      '—',
      'info',
    ]);
  }
  return rows;
}

function printTable(rows) {
  const head = ['Measure', 'Ours', 'Baseline', 'Ratio', 'Target', 'Result'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join(' │ ');
  log(line(head));
  log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
  for (const row of rows) log(line(row));
}

const started = performance.now();
const results = {
  when: new Date().toISOString(),
  commit: git('rev-parse', '--short', 'HEAD'),
  // The checkout is shared: the build measured may include others' uncommitted edits.
  srcChanges: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean),
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  cpus: os.cpus().length,
  tmpdir: os.tmpdir(),
  quick,
  config,
};
log(
  `Prodigy session core benchmark — ${results.commit}, Node ${results.node}, ${results.cpus} CPUs, temp homes in ${results.tmpdir}${quick ? ' (QUICK)' : ''}`,
);
if (results.srcChanges.length)
  log(`Note: src/ has uncommitted changes; measured the working tree (${results.srcChanges.join(', ')})`);

if (wanted('listing')) {
  log(`\n1. Listing ${config.listing.count} sessions`);
  results.listing = await benchListing(config.listing, log);
  printListing(results.listing);
}
// Writeback of the listing section's 10,000 files would otherwise land inside the fsync
// measurements that follow.
function settleDisk() {
  try {
    execFileSync('sync');
  } catch {
    // No `sync` binary: the figures are only noisier.
  }
}

if (wanted('update')) {
  settleDisk();
  log('\n2. One update vs the floor (write + fsync + rename of the same bytes)');
  results.update = await benchUpdateLatency(config.update);
  printUpdate(results.update);
}
if (wanted('throughput')) {
  settleDisk();
  log('\n3. Read-modify-write throughput on one session');
  results.throughput = await benchThroughput(config.throughput, log);
  printThroughput(results.throughput);
}

if (wanted('engine')) {
  settleDisk();
  log(`\n4. A workflow of ${config.engine.steps} trivial shell steps vs ${config.engine.steps} bare spawns`);
  results.engine = await benchEngine(config.engine, log);
  printEngine(results.engine);
}

if (wanted('mapreduce')) {
  settleDisk();
  log(
    `\n5. MapReduce: ${config.mapreduce.items} items of ${config.mapreduce.sleepSec} s at max_parallel ${config.mapreduce.parallel}`,
  );
  results.mapreduce = await benchMapReduce(config.mapreduce, log);
  printMapReduce(results.mapreduce);
}

if (wanted('claude')) {
  settleDisk();
  log(
    `\n6. A Claude step replaying a ${config.claude.bytes / 1024 / 1024} MB stream-json stream vs copying it to a file (in a process of its own)`,
  );
  results.claude = await runWorker('claudeStep.mjs', [JSON.stringify(config.claude)]);
  printClaude(results.claude);
}

if (wanted('cli')) {
  settleDisk();
  log('\n7. The command line, whole processes: start-up, sessions list, run');
  results.cli = benchCli(config.cli, log);
  printCli(results.cli);
}

results.durationSec = (performance.now() - started) / 1000;
log(
  `\nSummary (medians; ratio = baseline/ours for listings, ours/floor for updates; ${results.durationSec.toFixed(0)} s)`,
);
printTable(summaryRows(results));

fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const out = new URL('./results/latest.json', import.meta.url);
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
log(`\nWrote ${out.pathname}`);
