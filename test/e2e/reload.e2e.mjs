// E2E: a run survives a window reload (issue 14, item 7). In code-server a browser reload is a real restart of
// the extension host: the old one is shut down with everything it started in-process. A run's engine is a
// detached `prodigy-vscode` process (prodigy.runs.detached, the default), so it goes on, and the new window
// attaches to it and shows it live again. Twice:
//   1. a shell step waiting on a gate file: reload mid-step; the same runner still holds the session; the new
//      window's row and status bar show it at step 2/3; the gate opens; the row turns Completed, the record is
//      Completed and step 3's commit is in the worktree;
//   2. a Claude step (the fake claude CLI, stream-json, `/wait-for <gate>`): reload while Claude runs; it finishes, the
//      step after it runs, the window shows it running, then Completed.
// Screenshots: test-results/e2e-reload-*.png (before and after each reload, and the end).
// Run through test/host/run-e2e.mjs (`node test/host/run-e2e.mjs reload`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '../host/config.mjs';
import { makeTempDir } from '../host/codeServer.mjs';
import {
  initGitRepo,
  openWorkbench,
  pickQuickItem,
  pollUntil,
  runCommand,
  setSidebarWidth,
  showProdigyView,
  waitForRowText,
  waitForStatusBarItem,
  withFailureScreenshot,
} from '../host/workbench.mjs';

const FAKE_CLAUDE = path.join(REPO_ROOT, 'test', 'fixtures', 'bin', 'claude');
const SHELL_WF = 'reload-shell';
const CLAUDE_WF = 'reload-claude';

let wb;
let gate;
/** The fake Claude call runs until this file exists. */
let claudeGate;

before(
  async () => {
    gate = path.join(makeTempDir('prodigy-reload-gate-'), 'gate');
    claudeGate = path.join(path.dirname(gate), 'claude-gate');
    wb = await openWorkbench({
      home: makeTempDir('prodigy-home-'),
      prepareWorkspace: (dir) =>
        initGitRepo(dir, {
          'README.md': '# reload e2e\n',
          'workflows/shell.workflow.yml': [
            `name: ${SHELL_WF}`,
            'commands:',
            '  - shell: "echo one > one.txt && git add one.txt && git commit -qm one"',
            `  - shell: "while [ ! -f '${gate}' ]; do sleep 0.1; done; echo gate open"`,
            '  - shell: "echo three > three.txt && git add three.txt && git commit -qm three"',
            '',
          ].join('\n'),
          'workflows/claude.workflow.yml': [
            `name: ${CLAUDE_WF}`,
            'commands:',
            `  - claude: "/wait-for ${claudeGate}"`,
            '  - shell: "echo after-claude > after.txt && git add after.txt && git commit -qm after"',
            '',
          ].join('\n'),
        }),
      // No end-of-run merge question: the run keeps its branch.
      settings: { 'prodigy.merge': 'never', 'prodigy.claude.command': FAKE_CLAUDE },
    });
  },
  { timeout: 120_000 },
);

after(async () => {
  if (gate && fs.existsSync(path.dirname(gate))) {
    fs.writeFileSync(gate, 'open\n');
    fs.writeFileSync(claudeGate, 'open\n');
  }
  await wb?.close();
});

// ------------------------------------------------------------------------------------------------ helpers
function record(id) {
  return JSON.parse(fs.readFileSync(path.join(wb.home, 'sessions', `${id}.json`), 'utf8'));
}

function sessionIds() {
  const dir = path.join(wb.home, 'sessions');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
    : [];
}

function lockHolder(id) {
  const file = path.join(wb.home, 'resume_locks', `${id}.lock`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).process_id : null;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** This workbench's extension host processes (their environment names this test's Prodigy home). */
function extensionHosts() {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes('extensionHost'))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PRODIGY_TEST_HOME=${wb.home}`);
      } catch {
        return false;
      }
    });
}

async function startRun(file, name) {
  const before = new Set(sessionIds());
  await runCommand(wb.page, 'Prodigy: Run Workflow…');
  await pickQuickItem(wb.page, file);
  const id = await pollUntil(() => sessionIds().find((i) => !before.has(i)), { message: `a session of ${name}` });
  console.log(`${name}: session ${id}`);
  return id;
}

/** Reloads the page (a real extension-host restart) and waits for the new workbench and the Sessions view. */
async function reload(id) {
  const hostsBefore = extensionHosts();
  const runner = lockHolder(id);
  assert.ok(runner && alive(runner), 'a live runner holds the session before the reload');
  assert.ok(!hostsBefore.includes(runner), 'the runner is not the extension host');
  await wb.page.reload({ waitUntil: 'domcontentloaded' });
  await wb.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await wb.page.waitForSelector('.part.activitybar, .part.statusbar', { timeout: 30_000 });
  // The old extension host is gone and a new one runs: the reload restarted it.
  const hostsAfter = await pollUntil(
    () => {
      const now = extensionHosts();
      return now.length > 0 && !now.some((p) => hostsBefore.includes(p)) ? now : undefined;
    },
    { timeout: 30_000, message: 'a new extension host (and the old one gone)' },
  );
  console.log(`extension host ${hostsBefore.join(',')} → ${hostsAfter.join(',')}; runner ${runner} still alive`);
  // The reloaded workbench restores the Prodigy view by itself, a moment after it shows: wait for that first, so
  // showProdigyView does not click the activity bar item while it restores (which would close the view).
  await wb.page
    .locator('.part.sidebar .composite.title', { hasText: /prodigy/i })
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => undefined);
  await showProdigyView(wb.page);
  await setSidebarWidth(wb.page, 560);
  return runner;
}

// ------------------------------------------------------------------------------------------------ tests
test(
  '1. a shell step waiting on a gate: the run goes on through a reload and is shown live again',
  { timeout: 180_000 },
  async () => {
    await withFailureScreenshot(wb, 'e2e-reload-01', async () => {
      const { page } = wb;
      await showProdigyView(page);
      await setSidebarWidth(page, 560);
      const id = await startRun('shell.workflow.yml', SHELL_WF);
      await waitForRowText(page, new RegExp(`^${SHELL_WF} Running · step 2/3`));
      await waitForStatusBarItem(page, new RegExp(`${SHELL_WF} · step 2/3`));
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-reload-01-shell-before-reload');

      const runner = await reload(id);
      // The same runner still holds the session after the restart, and the record is still Running.
      assert.equal(lockHolder(id), runner);
      assert.ok(alive(runner), 'the runner outlived the extension host');
      assert.equal(record(id).status, 'Running');
      // Shown live again: the row (Running at step 2) and the status bar, which only follows runs this window
      // follows.
      await waitForRowText(page, new RegExp(`^${SHELL_WF} Running · step 2/3`));
      await waitForStatusBarItem(page, new RegExp(`${SHELL_WF} · step 2/3`));
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-reload-02-shell-after-reload-live');

      fs.writeFileSync(gate, 'open\n');
      await waitForRowText(page, new RegExp(`^${SHELL_WF} Completed`), { timeout: 30_000 });
      const rec = record(id);
      assert.equal(rec.status, 'Completed');
      assert.deepEqual(rec.workflow_data.completed_steps, [0, 1, 2]);
      const wt = rec.metadata.worktree_path;
      assert.ok(wt, 'a worktree');
      assert.equal(fs.readFileSync(path.join(wt, 'three.txt'), 'utf8'), 'three\n', "step 3's file, after the reload");
      await pollUntil(() => !alive(runner), { message: 'the runner to exit' });
      await waitForStatusBarItem(page, new RegExp(`${SHELL_WF} · step 2/3`), { absent: true });
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-reload-03-shell-completed');
    });
  },
);

test(
  '2. a Claude step: the call goes on through a reload, then the next step; shown live again, then Completed',
  { timeout: 180_000 },
  async () => {
    await withFailureScreenshot(wb, 'e2e-reload-04', async () => {
      const { page } = wb;
      const id = await startRun('claude.workflow.yml', CLAUDE_WF);
      await waitForRowText(page, new RegExp(`^${CLAUDE_WF} Running · step 1/2`));
      await waitForStatusBarItem(page, new RegExp(`${CLAUDE_WF} · step 1/2`));
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-reload-04-claude-before-reload');

      const runner = await reload(id);
      assert.ok(alive(runner), 'the runner outlived the extension host');
      // Claude is still running (it waits for its gate): the window shows it live at step 1 again.
      await waitForStatusBarItem(page, new RegExp(`${CLAUDE_WF} · step 1/2`), { timeout: 20_000 });
      await waitForRowText(page, new RegExp(`^${CLAUDE_WF} Running · step 1/2`));
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-reload-05-claude-after-reload-live');
      fs.writeFileSync(claudeGate, 'open\n');

      await waitForRowText(page, new RegExp(`^${CLAUDE_WF} Completed`), { timeout: 40_000 });
      const rec = record(id);
      assert.equal(rec.status, 'Completed');
      assert.deepEqual(rec.workflow_data.completed_steps, [0, 1]);
      assert.equal(fs.readFileSync(path.join(rec.metadata.worktree_path, 'after.txt'), 'utf8'), 'after-claude\n');
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-reload-06-claude-completed');
    });
  },
);
