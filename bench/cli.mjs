// 7. The command line as a user meets it: whole processes, start to exit, each against a baseline
// process run alternately with it (so drift on this noisy machine hits both alike).
//  - start-up: `help` and `--version` against a bare `node -e 0`;
//  - `sessions list --json` on a home of N sessions against a naive script that reads and parses
//    every file, and against a script that only lists the folder and stats every file;
//  - `run` of a workflow of trivial shell steps against a Node script that spawns the same commands.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSessions, writeSessions } from './lib/sessionGen.mjs';
import { median, summary } from './lib/stats.mjs';
import { makeTempHome, removeTempHome } from './lib/tempHome.mjs';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const TARGETS = { startup: 1.3, listNaive: 2, listStat: 1.5, run: 1.3 };

/** Wall time of one whole process, spawned synchronously; its output is read and dropped. */
function wall(argv, { cwd, env } = {}) {
  const start = performance.now();
  const r = spawnSync(process.execPath, argv, {
    cwd,
    env: env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 512 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 400)}`);
  return { ms, stdout: r.stdout };
}

/**
 * Runs each of `sides` once per round, the order rotating every round; returns each side's
 * summary, and the median of the per-round ratios of every side to the first (the baseline).
 */
function alternate(sides, rounds) {
  const names = Object.keys(sides);
  for (const name of names) sides[name](); // warm the page cache
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < rounds; i++) {
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const name of order) samples[name].push(sides[name]());
  }
  const [base] = names;
  const paired = Object.fromEntries(
    names.slice(1).map((n) => [n, median(samples[n].map((v, k) => v / samples[base][k]))]),
  );
  return { stats: Object.fromEntries(names.map((n) => [n, summary(samples[n])])), paired };
}

function benchStartup(rounds) {
  const r = alternate(
    {
      node: () => wall(['-e', '0']).ms,
      help: () => wall([CLI, 'help']).ms,
      version: () => wall([CLI, '--version']).ms,
    },
    rounds,
  );
  const ratio = (n) => r.stats[n].median / r.stats.node.median;
  return {
    node: r.stats.node,
    help: r.stats.help,
    version: r.stats.version,
    ratios: { help: ratio('help'), version: ratio('version') },
    paired: r.paired,
    target: TARGETS.startup,
    pass: ratio('help') <= TARGETS.startup && ratio('version') <= TARGETS.startup,
  };
}

// A naive `sessions list --json`: read and parse every file on every call, and print the same listing (the
// same fields, the same two-space JSON), newest first. No schema check, so it is faster than a careful one.
const NAIVE_LIST = `
const fs = require('fs'), path = require('path');
const dir = path.join(process.argv[1], 'sessions');
const sessions = [], unreadable = [];
for (const name of fs.readdirSync(dir)) {
  if (!name.endsWith('.json')) continue;
  const file = path.join(dir, name);
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8'));
    const w = s.workflow_data, m = s.mapreduce_data;
    sessions.push({
      id: s.id, session_type: m ? 'MapReduce' : s.session_type, recorded_type: s.session_type, status: s.status,
      started_at: s.started_at, updated_at: s.updated_at, completed_at: s.completed_at ?? null,
      workflow_name: w?.workflow_name ?? '', workflow_path: w?.workflow_path ?? null,
      current_step: w?.current_step ?? 0, total_steps: w?.total_steps ?? 0, completed_steps: w?.completed_steps?.length ?? 0,
      checkpoints: s.checkpoints?.length ?? 0, error: s.error ?? null, worktree_name: s.metadata?.worktree_name ?? null,
      mapreduce: m ? { job_id: m.job_id, phase: m.phase, total_items: m.total_items, processed_items: m.processed_items,
        failed_items: m.failed_items, agent_count: m.agent_count } : null,
      cost_usd: s.metadata?.claude?.total_cost_usd ?? null,
      outcome: { kind: s.status.toLowerCase(), text: s.status.toLowerCase(), detail: null, warning: false },
      file,
    });
  } catch (err) {
    unreadable.push({ file, name, reason: String(err) });
  }
}
sessions.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at) || (a.id < b.id ? 1 : -1));
process.stdout.write(JSON.stringify({ sessions, total: sessions.length, unreadable }, null, 2) + '\\n');
`;

const STAT_LIST = `
const fs = require('fs'), path = require('path');
const dir = path.join(process.argv[1], 'sessions');
let n = 0;
for (const name of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, name)).isFile()) n++;
process.stdout.write(String(n));
`;

function benchList(count, rounds) {
  const home = makeTempHome('cli-list');
  try {
    writeSessions(home, generateSessions(count));
    const ours = () => wall([CLI, '--home', home, 'sessions', 'list', '--json']);
    const listed = JSON.parse(String(ours().stdout)); // builds the index and the kept listing a previous one leaves
    // One session file rewritten in place with the same text (as Prodigy writes: truncate, write): its mtime moves,
    // so the kept listing is stale and this listing is made anew (the index re-reads that one file).
    const sessionsDir = path.join(home, 'sessions');
    const files = fs.readdirSync(sessionsDir).filter((n) => n.endsWith('.json'));
    let touched = 0;
    const touchOne = () => {
      const file = path.join(sessionsDir, files[touched++ % files.length]);
      fs.writeFileSync(file, fs.readFileSync(file));
    };
    const length = Array.isArray(listed) ? listed.length : (listed.sessions?.length ?? NaN);
    const r = alternate(
      {
        stat: () => wall(['-e', STAT_LIST, home]).ms,
        naive: () => wall(['-e', NAIVE_LIST, home]).ms,
        ours: () => ours().ms,
        // Info: the same work but printing one session, to see what printing all of them costs. A filter makes it
        // scan every file as the full listing does (an unfiltered --limit would list its first page from the index
        // and stat only that page).
        // Info: the listing just after one session changed (the cost the kept listing saves, paid once a change).
        oursChanged: () => {
          touchOne();
          return ours().ms;
        },
        oursOne: () =>
          wall([CLI, '--home', home, 'sessions', 'list', '--json', '--status', 'Initializing', '--limit', '1']).ms,
      },
      rounds,
    );
    const naiveOverOurs = r.stats.naive.median / r.stats.ours.median;
    const oursOverStat = r.stats.ours.median / r.stats.stat.median;
    return {
      count,
      listed: length,
      stat: r.stats.stat,
      naive: r.stats.naive,
      ours: r.stats.ours,
      oursOne: r.stats.oursOne,
      oursChanged: r.stats.oursChanged,
      ratios: { naiveOverOurs, oursOverStat },
      targets: { naive: TARGETS.listNaive, stat: TARGETS.listStat },
      pass: { naive: naiveOverOurs >= TARGETS.listNaive, stat: oursOverStat <= TARGETS.listStat },
    };
  } finally {
    removeTempHome(home);
  }
}

const SPAWN_ALL = `
const { spawn } = require('child_process');
const [cwd, n, command] = [process.argv[1], Number(process.argv[2]), process.argv[3]];
const once = () => new Promise((resolve, reject) => {
  const child = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', () => {});
  child.stderr.on('data', () => {});
  child.on('error', reject);
  child.on('close', (code) => (code === 0 ? resolve() : reject(new Error('exit ' + code))));
});
(async () => { for (let i = 0; i < n; i++) await once(); })();
`;

function benchRun(steps, rounds) {
  const home = makeTempHome('cli-run');
  try {
    const repo = path.join(home, 'repo');
    fs.mkdirSync(repo);
    const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-q', '--allow-empty', '-m', 'init');
    const workflow = path.join(home, 'trivial.yml');
    fs.writeFileSync(workflow, `name: trivial\ncommands:\n${'  - shell: "true"\n'.repeat(steps)}`);
    const env = { ...process.env, PRODIGY_HOME: home };
    const run = (...extra) => wall([CLI, 'run', workflow, '--json', ...extra], { cwd: repo, env }).ms;
    // Info: a one-step run, to split the run into a fixed cost and a cost per step.
    const oneStep = path.join(home, 'one.yml');
    fs.writeFileSync(oneStep, 'name: trivial\ncommands:\n  - shell: "true"\n');
    const r = alternate(
      {
        spawn: () => wall(['-e', SPAWN_ALL, repo, String(steps), 'true'], { cwd: repo }).ms,
        inPlace: () => run('--no-worktree'),
        worktree: () => run(),
        oneStep: () => wall([CLI, 'run', oneStep, '--json', '--no-worktree'], { cwd: repo, env }).ms,
        spawnOne: () => wall(['-e', SPAWN_ALL, repo, '1', 'true'], { cwd: repo }).ms,
      },
      rounds,
    );
    const ratio = r.stats.inPlace.median / r.stats.spawn.median;
    return {
      steps,
      spawn: r.stats.spawn,
      inPlace: r.stats.inPlace,
      worktree: r.stats.worktree,
      oneStep: r.stats.oneStep,
      spawnOne: r.stats.spawnOne,
      ratio,
      worktreeRatio: r.stats.worktree.median / r.stats.spawn.median,
      paired: r.paired,
      target: TARGETS.run,
      pass: ratio <= TARGETS.run,
    };
  } finally {
    removeTempHome(home);
  }
}

export function benchCli({ startupRounds, listCount, listRounds, runSteps, runRounds }, log) {
  const startup = benchStartup(startupRounds);
  log(`  start-up measured (${startup.node.n} rounds)`);
  const list = benchList(listCount, listRounds);
  log(`  listing measured (${list.count} sessions, ${list.ours.n} rounds)`);
  const run = benchRun(runSteps, runRounds);
  log(`  run measured (${run.steps} steps, ${run.spawn.n} rounds)`);
  return { startup, list, run };
}
