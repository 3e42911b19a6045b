// 5. MapReduce: 64 items whose agent sleeps 1 s (and commits a file) at max_parallel 8, against the
// ideal (8 rounds of 1 s plus setup) as a parallel efficiency; and the per-agent overhead (a job of
// no-op agents, one at a time) against a bare `git worktree add` + `git worktree remove` per item,
// measured in the same run.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { core } from './lib/core.mjs';
import { median, summary } from './lib/stats.mjs';
import { makeTempHome, removeTempHome } from './lib/tempHome.mjs';

const TARGET_EFFICIENCY = 0.8;

function makeRepo(root, name) {
  const repo = path.join(root, name);
  fs.mkdirSync(repo);
  const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'bench');
  git('config', 'user.email', 'bench@localhost');
  git('commit', '-q', '--allow-empty', '-m', 'init');
  return repo;
}

function jobYaml(count, parallel, agent) {
  const items = JSON.stringify({ items: Array.from({ length: count }, (_, i) => ({ n: i })) });
  return `name: bench-job
mode: mapreduce
setup:
  - shell: "printf '%s' '${items.replace(/"/g, '\\"')}' > items.json && git add items.json && git commit -qm items"
map:
  input: items.json
  json_path: "$.items[*]"
  max_parallel: ${parallel}
  agent_template:
    - shell: "${agent}"
`;
}

async function runJob(home, repo, yaml) {
  const file = path.join(home, `job-${Date.now()}-${Math.random().toString(16).slice(2)}.yml`);
  fs.writeFileSync(file, yaml);
  const manager = new core.SessionManager({ home });
  let setupMs = 0;
  let setupStart = 0;
  const t = performance.now();
  const out = await core.runWorkflow({
    manager,
    workflowFile: file,
    projectDir: repo,
    merge: 'never',
    listener: (e) => {
      if (e.type === 'phase' && e.phase === 'Setup') setupStart = performance.now();
      if (e.type === 'phase' && e.phase === 'Map') setupMs = performance.now() - setupStart;
    },
  });
  const wall = performance.now() - t;
  manager.close();
  if (out.status !== 'Completed') throw new Error(`bench job ended ${out.status}: ${out.error}`);
  const rec = JSON.parse(fs.readFileSync(path.join(home, 'sessions', `${out.sessionId}.json`), 'utf8'));
  if (rec.mapreduce_data.failed_items) throw new Error(`${rec.mapreduce_data.failed_items} items failed`);
  return { wall, setupMs };
}

export async function benchMapReduce({ items, parallel, sleepSec, overheadItems, rounds }, log) {
  const home = makeTempHome('mapreduce');
  try {
    // Parallel efficiency.
    const runs = [];
    for (let r = 0; r < rounds; r++) {
      const repo = makeRepo(home, `eff-${r}`);
      const { wall, setupMs } = await runJob(
        home,
        repo,
        jobYaml(
          items,
          parallel,
          `sleep ${sleepSec} && echo \${item.n} > f\${item.n}.txt && git add . && git commit -qm \${item_id}`,
        ),
      );
      const ideal = Math.ceil(items / parallel) * sleepSec * 1000 + setupMs;
      runs.push({ wall, ideal, efficiency: ideal / wall });
      log(
        `  round ${r + 1}/${rounds}: wall ${(wall / 1000).toFixed(2)} s, ideal ${(ideal / 1000).toFixed(2)} s → ${((100 * ideal) / wall).toFixed(1)}%`,
      );
    }
    // Per-agent overhead, one agent at a time, against a bare worktree add + remove.
    const repo = makeRepo(home, 'overhead');
    const { wall: jobWall, setupMs } = await runJob(
      home,
      repo,
      jobYaml(overheadItems, 1, 'echo ${item.n} > f${item.n}.txt && git add . && git commit -qm ${item_id}'),
    );
    const perAgent = (jobWall - setupMs) / overheadItems;
    const bare = [];
    const bareRepo = makeRepo(home, 'bare');
    for (let i = 0; i < overheadItems; i++) {
      const t = performance.now();
      const wt = path.join(home, 'bare-wt', `w${i}`);
      execFileSync('git', ['worktree', 'add', '-q', '-b', `b${i}`, wt], { cwd: bareRepo, stdio: 'ignore' });
      execFileSync('git', ['worktree', 'remove', '--force', wt], { cwd: bareRepo, stdio: 'ignore' });
      bare.push(performance.now() - t);
    }
    const efficiency = median(runs.map((r) => r.efficiency));
    return {
      items,
      parallel,
      sleepSec,
      rounds: runs,
      wall: summary(runs.map((r) => r.wall)),
      efficiency,
      target: TARGET_EFFICIENCY,
      pass: efficiency >= TARGET_EFFICIENCY,
      perAgentMs: perAgent,
      bareWorktreeMs: summary(bare),
      overheadRatio: perAgent / median(bare),
      overheadItems,
    };
  } finally {
    removeTempHome(home);
  }
}
