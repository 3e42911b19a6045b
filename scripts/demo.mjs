#!/usr/bin/env node
// The main job, on a throwaway home and git repository in .demo/ (git-ignored; nothing outside it
// is touched): the bundled shell-only workflow (examples/demo-workflow.yml) runs as a session,
// fails at a step waiting for approval, is resumed after the fix, merged back, restored to an
// earlier checkpoint and resumed again. Then the same home shows sessions written by the real
// `prodigy` CLI (the shared fixtures), a legacy project to migrate and a damaged file.
import { execFileSync, spawnSync } from 'node:child_process';
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
const repo = path.join(demo, 'demo-repo');
const approval = path.join(demo, 'approved');
const workflow = path.join(root, 'examples', 'demo-workflow.yml');
fs.rmSync(demo, { recursive: true, force: true });

/** Runs the CLI with stderr merged into stdout by the OS, so messages keep their order. */
function cliRun(args, env = {}) {
  const r = spawnSync('sh', ['-c', 'exec "$0" "$@" 2>&1', process.execPath, cli, '--home', home, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status ?? 1, out: r.stdout ?? '' };
}

function show(...args) {
  const env = typeof args[args.length - 1] === 'object' ? args.pop() : {};
  const shown = ['prodigy-vscode', ...args]
    .map((a) => (a.startsWith(root) ? path.relative(process.cwd(), a) || '.' : a))
    .join(' ');
  console.log(`\n\x1b[1m$ ${shown}\x1b[0m`);
  const r = cliRun(args, env);
  process.stdout.write(r.out);
  return r;
}

// The demo checks what it shows, so `npm test` can run it as a smoke test of the main job.
const problems = [];
function expectExit(r, code, what) {
  if (r.code !== code) problems.push(`${what}: exit code ${r.code}, expected ${code}`);
  return r;
}

function heading(text) {
  console.log(`\n\x1b[1;36m## ${text}\x1b[0m`);
}

// A. The workflow engine on a throwaway repository.
fs.mkdirSync(repo, { recursive: true });
const git = (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
git('init', '-q', '-b', 'main');
git('config', 'user.name', 'Demo User');
git('config', 'user.email', 'demo@example.com');
fs.writeFileSync(path.join(repo, 'README.md'), '# demo repository\n');
git('add', '.');
git('commit', '-qm', 'Initial commit');
const env = { DEMO_APPROVAL: approval };

console.log(`Demo home: ${home}\nDemo repository: ${repo}`);
heading('1. Check the workflow file');
expectExit(show('validate', workflow), 0, 'validate');
heading('2. Run it: each step is checkpointed; step 4 fails (no approval yet)');
const first = expectExit(show('run', workflow, '--path', repo, env), 1, 'the first run (fails at the approval step)');
const id = /^Session: (\S+)$/m.exec(first.out)?.[1];
if (!id) throw new Error('the run printed no session id');
show('sessions', 'show', id);
heading('3. Fix the cause, then resume: only the steps not done run');
fs.writeFileSync(approval, 'ok\n');
console.log(`(created ${path.relative(process.cwd(), approval)})`);
expectExit(show('resume', id, '-y', env), 0, 'resume after the fix');
show('checkpoints', 'list', id);
heading('4. Restore the checkpoint after step 2: the worktree goes back, the session is Paused');
const { checkpoints } = JSON.parse(
  execFileSync(process.execPath, [cli, '--home', home, 'checkpoints', 'list', id, '--json'], { encoding: 'utf8' }),
);
const afterStep2 = checkpoints.find((c) => c.kind === 'session' && c.step_index === 1);
expectExit(show('restore', id, afterStep2.id), 0, 'restore');
heading('5. Resume again: steps 3 to 5 run once more (their first run is listed as undone)');
expectExit(show('resume', id, '-y', env), 0, 'resume after the restore');
show('checkpoints', 'list', id);
console.log(`\n\x1b[1m$ git -C ${path.relative(process.cwd(), repo)} log --oneline\x1b[0m`);
process.stdout.write(git('log', '--oneline'));

// B. What the `prodigy` CLI leaves behind (prodigy-formats.md §2–§5), including a truncated file.
seedHome(home);

// Runs recorded directly through the one SessionManager (a library user's view).
const manager = new SessionManager({ home });
const steps = ['shell: cargo fmt --check', 'claude: /prodigy-lint', 'shell: cargo test'];
async function run(name, stopAfter, end) {
  const s = await manager.createSession({
    type: 'Workflow',
    workflowName: name,
    totalSteps: steps.length,
    metadata: { workflow_path: path.join(project, 'workflows', `${name}.yml`) },
  });
  await manager.startSession(s.id);
  for (let i = 0; i < stopAfter; i++) {
    await manager.updateSession(s.id, (cur) => ({
      ...cur,
      workflow_data: {
        ...cur.workflow_data,
        current_step: i + 1,
        completed_steps: [...cur.workflow_data.completed_steps, i],
      },
      timings: { ...cur.timings, [steps[i]]: { secs: 3 + i, nanos: 0 } },
    }));
    await manager.createCheckpoint(s.id, { step_index: i, step_name: steps[i], total_steps: steps.length });
  }
  await end(s.id);
  return s.id;
}
await run('lint-and-test', 3, (id) => manager.completeSession(id));
const failed = await run('fix-flaky-tests', 2, (id) =>
  manager.completeSession(id, { success: false, error: 'shell: cargo test exited with code 101' }),
);
await run('refactor-db-pool', 1, (id) => manager.pauseSession(id));
manager.close();

// A project with Prodigy's legacy session file (§4), for `migrate`.
const fixtures = path.join(root, 'test', 'fixtures', 'prodigy');
fs.mkdirSync(path.join(project, '.prodigy'), { recursive: true });
fs.copyFileSync(path.join(fixtures, 'legacy-session_state.json'), path.join(project, '.prodigy', 'session_state.json'));
// A run whose record was lost (only its checkpoint file is left) and a MapReduce job Prodigy never recorded.
const orphan = path.join(home, 'state', 'workflow-1736930000000', 'checkpoints');
fs.mkdirSync(orphan, { recursive: true });
fs.copyFileSync(
  path.join(fixtures, 'workflow-checkpoint.running.json'),
  path.join(orphan, 'workflow-1736930000456.checkpoint.json'),
);
const job = path.join(home, 'state', 'my-app', 'mapreduce', 'jobs', 'mapreduce-1736938802004');
fs.mkdirSync(job, { recursive: true });
fs.copyFileSync(path.join(fixtures, 'mapreduce-job.checkpoint-v2.json'), path.join(job, 'checkpoint-v2.json'));
// Old enough that quarantine treats it as settled rather than mid-write.
const old = new Date(Date.now() - 60_000);
fs.utimesSync(path.join(home, 'sessions', 'workflow-broken.json'), old, old);

heading('6. The same home also holds sessions written by the real prodigy CLI, a legacy project and a damaged file');
expectExit(show('sessions', 'list'), 0, 'sessions list');
expectExit(show('sessions', 'show', failed), 0, 'sessions show');
show('checkpoints', 'list', failed);
show('checkpoints', 'list', 'workflow-1736937000123');
expectExit(show('migrate', '--path', project), 0, 'migrate');
show('sessions', 'list', '--status', 'Paused');
expectExit(show('sessions', 'quarantine'), 0, 'sessions quarantine');
expectExit(show('sessions', 'show', 'no-such-session'), 1, 'sessions show of an unknown id');
console.log(
  `\nDone. Point the extension at this home with the setting "prodigy.home": "${home}", or run the CLI yourself:\n  node dist/cli.js --home ${home} sessions list`,
);
if (problems.length) {
  console.error(`\nThe demo did not go as described:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
