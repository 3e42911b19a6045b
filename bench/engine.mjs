// 4. The workflow engine's cost per step: a workflow of N trivial shell steps (each checkpointed:
// the session record, Prodigy's checkpoint file and a snapshot) against spawning the same
// command N times, the same way, in the same process. Both run in a real git repository.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { core } from './lib/core.mjs';
import { median, summary } from './lib/stats.mjs';
import { makeTempHome, removeTempHome } from './lib/tempHome.mjs';

const TARGET_RATIO = 1.3;
const COMMAND = 'true';

/** The bare baseline: one `sh -c` per step, output piped, its own process group, as the engine does. */
function spawnOnce(cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', COMMAND], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.setEncoding('utf8').on('data', () => undefined);
    child.stderr.setEncoding('utf8').on('data', () => undefined);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

function makeRepo(root) {
  const repo = path.join(root, 'repo');
  fs.mkdirSync(repo);
  const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-q', '--allow-empty', '-m', 'init');
  return repo;
}

export async function benchEngine({ steps, rounds }, log) {
  const home = makeTempHome('engine');
  try {
    const repo = makeRepo(home);
    const workflow = path.join(home, 'trivial.yml');
    fs.writeFileSync(workflow, `name: trivial\ncommands:\n${`  - shell: "${COMMAND}"\n`.repeat(steps)}`);
    const manager = new core.SessionManager({ home });
    const runEngine = async (worktree) => {
      const t = performance.now();
      const out = await core.runWorkflow({
        manager,
        workflowFile: workflow,
        projectDir: repo,
        worktree,
        merge: 'never',
      });
      const elapsed = performance.now() - t;
      if (out.status !== 'Completed') throw new Error(`bench run ended ${out.status}: ${out.error}`);
      return elapsed;
    };
    const runBare = async () => {
      const t = performance.now();
      for (let i = 0; i < steps; i++) await spawnOnce(repo);
      return performance.now() - t;
    };
    // Warm-up: JIT, page cache, git's first-run work.
    await runBare();
    await runEngine(false);
    const bare = [];
    const engine = [];
    const withWorktree = [];
    const paired = [];
    for (let r = 0; r < rounds; r++) {
      // Interleaved, so drift in machine load hits both sides alike.
      const b = await runBare();
      const e = await runEngine(false);
      bare.push(b);
      engine.push(e);
      paired.push(e / b);
      withWorktree.push(await runEngine(true));
      log(`  round ${r + 1}/${rounds}: bare ${b.toFixed(0)} ms, engine ${e.toFixed(0)} ms (${(e / b).toFixed(2)}×)`);
    }
    const checkpoints = (await manager.listCheckpoints((await manager.listSessions({ limit: 1 })).sessions[0].id))
      .checkpoints.length;
    manager.close();
    const ratio = median(engine) / median(bare);
    return {
      steps,
      rounds,
      bare: summary(bare),
      engine: summary(engine),
      withWorktree: summary(withWorktree),
      perStepOverheadMs: (median(engine) - median(bare)) / steps,
      ratio,
      pairedRatioMedian: median(paired),
      checkpointsPerRun: checkpoints,
      target: TARGET_RATIO,
      pass: ratio <= TARGET_RATIO,
    };
  } finally {
    removeTempHome(home);
  }
}
