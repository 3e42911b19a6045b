#!/usr/bin/env node
// The main job on a built-in demo home: a Prodigy home holding sessions written by the real
// `prodigy` CLI (the shared fixtures), sessions written through our own core, a damaged file and
// a legacy project, then the CLI shows them, migrates the legacy session and quarantines the
// damaged file. Everything lands in .demo/ (git-ignored); nothing outside it is touched.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { seedHome } from '../test/host/seedHome.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { SessionManager } = require(path.join(root, 'dist', 'core.js'));
const cli = path.join(root, 'dist', 'cli.js');

const demo = path.join(root, '.demo');
const home = path.join(demo, 'home');
const project = path.join(demo, 'legacy-project');
fs.rmSync(demo, { recursive: true, force: true });

// 1. What the `prodigy` CLI leaves behind (prodigy-formats.md §2–§5), including a truncated file.
seedHome(home);

// 2. Runs recorded through our one SessionManager, the way the workflow engine records them.
const manager = new SessionManager({ home });
const steps = ['shell: cargo fmt --check', 'claude: /prodigy-lint', 'shell: cargo test'];
async function run(name, stopAfter, end) {
  const s = await manager.createSession({ type: 'Workflow', workflowName: name, totalSteps: steps.length, metadata: { workflow_path: path.join(project, 'workflows', `${name}.yml`) } });
  await manager.startSession(s.id);
  for (let i = 0; i < stopAfter; i++) {
    await manager.updateSession(s.id, (cur) => ({
      ...cur,
      workflow_data: { ...cur.workflow_data, current_step: i + 1, completed_steps: [...cur.workflow_data.completed_steps, i] },
      timings: { ...cur.timings, [steps[i]]: { secs: 3 + i, nanos: 0 } },
    }));
    await manager.createCheckpoint(s.id, { step_index: i + 1, step_name: steps[i], total_steps: steps.length });
  }
  await end(s.id);
  return s.id;
}
await run('lint-and-test', 3, (id) => manager.completeSession(id));
const failed = await run('fix-flaky-tests', 2, (id) => manager.completeSession(id, { success: false, error: 'shell: cargo test exited with code 101' }));
await run('refactor-db-pool', 1, (id) => manager.pauseSession(id));
manager.close();

// 3. A project with Prodigy's legacy session file (§4), for `migrate`.
const fixtures = path.join(root, 'test', 'fixtures', 'prodigy');
fs.mkdirSync(path.join(project, '.prodigy'), { recursive: true });
fs.copyFileSync(path.join(fixtures, 'legacy-session_state.json'), path.join(project, '.prodigy', 'session_state.json'));
// A run whose record was lost (only its checkpoint file is left) and a MapReduce job Prodigy never recorded.
const orphan = path.join(home, 'state', 'workflow-1736930000000', 'checkpoints');
fs.mkdirSync(orphan, { recursive: true });
fs.copyFileSync(path.join(fixtures, 'workflow-checkpoint.running.json'), path.join(orphan, 'workflow-1736930000456.checkpoint.json'));
const job = path.join(home, 'state', 'my-app', 'mapreduce', 'jobs', 'mapreduce-1736938802004');
fs.mkdirSync(job, { recursive: true });
fs.copyFileSync(path.join(fixtures, 'mapreduce-job.checkpoint-v2.json'), path.join(job, 'checkpoint-v2.json'));
// Old enough that quarantine treats it as settled rather than mid-write.
const old = new Date(Date.now() - 60_000);
fs.utimesSync(path.join(home, 'sessions', 'workflow-broken.json'), old, old);

function show(...args) {
  const shown = ['prodigy-vscode', '--home', path.relative(process.cwd(), home) || '.', ...args].join(' ');
  console.log(`\n\x1b[1m$ ${shown}\x1b[0m`);
  try {
    process.stdout.write(execFileSync(process.execPath, [cli, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (err) {
    process.stdout.write(String(err.stdout ?? ''));
    process.stdout.write(String(err.stderr ?? ''));
  }
}

console.log(`Demo Prodigy home: ${home}`);
show('sessions', 'list');
show('sessions', 'show', failed);
show('checkpoints', 'list', failed);
show('checkpoints', 'list', 'workflow-1736937000123');
show('migrate', '--path', project);
show('sessions', 'list', '--status', 'Paused');
show('sessions', 'quarantine');
show('sessions', 'show', 'no-such-session');
console.log(`\nDone. Point the extension at this home with the setting "prodigy.home": "${home}", or run the CLI yourself:\n  node dist/cli.js --home ${home} sessions list`);
