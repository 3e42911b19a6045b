// E2E: running a workflow through the real UI (code-server + headless Chromium), as a person would:
//   1. Prodigy: Run Workflow… from the command palette, pick the file; the session appears in the Sessions
//      tree and progresses; the status bar shows the workflow and step (step 2 waits for a gate file);
//   2. stop it with the row's inline Stop action: the row and the status bar show Paused;
//   3. resume it with the row's inline Resume action, open the gate: it completes;
//   4. restore the checkpoint after step 1 from a checkpoint row's context menu: the diff of the files that
//      change appears with Restore to Here in its title (no modal over it); clicking it restores: the row shows
//      Paused, the files are back on disk, the toast offers Resume and Undo, undone checkpoints are grouped;
//   5. Prodigy: Open Session Log: the log document shows the steps' output lines;
//   6. Resume Session… with the log open: the log follows the run live;
//   7. Repeat Workflow or Run per Input…: once per spec file, the count shown as the pattern is typed.
// Each state is saved as test-results/e2e-run-NN-*.png. The tests share one workbench and run in order.
// Run through test/host/run-e2e.mjs (npm run test:e2e).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '../host/config.mjs';
import { makeTempDir } from '../host/codeServer.mjs';
import {
  activeEditorLineCount,
  activeEditorLines,
  clickRowAction,
  editorTabs,
  initGitRepo,
  notificationTexts,
  openContextMenu,
  openWorkbench,
  pickQuickItem,
  pollUntil,
  rowActionTitles,
  rowTexts,
  sessionRow,
  setSidebarWidth,
  showProdigyView,
  waitForEditorTab,
  waitForNotification,
  waitForRowText,
  waitForStatusBarItem,
  withFailureScreenshot,
} from '../host/workbench.mjs';

const WORKFLOW = 'e2e-gated';
const WORKFLOW_FILE = 'gated.workflow.yml';
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'e2e', WORKFLOW_FILE);
const STEP = 10_000;
const PER_SPEC = 'e2e-per-spec';
const PER_SPEC_FILE = 'per-spec.workflow.yml';

let wb;
let gate;
/** Set by test 1, used by the rest. */
let sessionId;

before(
  async () => {
    gate = path.join(makeTempDir('prodigy-gate-'), 'gate');
    const workflow = fs.readFileSync(FIXTURE, 'utf8').replaceAll('@GATE@', gate);
    wb = await openWorkbench({
      // An empty home: the tree shows only the session this test starts.
      home: makeTempDir('prodigy-home-'),
      prepareWorkspace: (dir) =>
        initGitRepo(dir, {
          'README.md': '# e2e workspace\n',
          [`workflows/${WORKFLOW_FILE}`]: workflow,
          // Test 7: one pass per spec file.
          [`workflows/${PER_SPEC_FILE}`]: `name: ${PER_SPEC}\ncommands:\n  - shell: "echo \${ARG} >> done.txt && git add done.txt && git commit -qm spec-\${ARG}"\n`,
          'specs/65-refactor.md': '# 65\n',
          'specs/70-tests.md': '# 70\n',
        }),
      // No end-of-run merge question: the run keeps its branch, the workspace stays as it was.
      settings: { 'prodigy.merge': 'never' },
    });
  },
  { timeout: 120_000 },
);

after(async () => {
  // If a test failed mid-run, step 2 may still be waiting: open the gate so it ends. A step runs in its own
  // process group, so it would outlive code-server being killed; whatever still waits is killed by pid.
  if (gate && fs.existsSync(path.dirname(gate))) {
    fs.writeFileSync(gate, 'open\n');
    await pollUntil(() => gateWaiters().length === 0, { timeout: 5_000, message: 'step 2 to end' }).catch(() => {});
  }
  await wb?.close();
  for (const line of gate ? gateWaiters() : []) {
    const pid = Number(line.trim().split(/\s+/)[0]);
    console.log(`killing a leftover step process: ${line.trim()}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

// ------------------------------------------------------------------------------------------------ disk helpers
function record(id) {
  return JSON.parse(fs.readFileSync(path.join(wb.home, 'sessions', `${id}.json`), 'utf8'));
}

function worktreeOf(id) {
  const root = path.join(wb.home, 'worktrees');
  for (const repo of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const dir = path.join(root, repo, id);
    if (fs.existsSync(dir)) return dir;
  }
  return undefined;
}

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Command lines of live processes that mention the gate file (the waiting step 2). */
function gateWaiters() {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(gate) && !l.includes('ps -eo'));
}

/** Open notifications as a bullet list (for the log). */
async function shownNotifications() {
  return (await notificationTexts(wb.page)).map((t) => `  - ${t}`).join('\n') || '  (none)';
}

// ------------------------------------------------------------------------------------------------ tests
test(
  '1. Run Workflow… from the command palette: the session appears and progresses; the status bar follows',
  { timeout: 120_000 },
  async () => {
    await withFailureScreenshot(wb, 'e2e-run-01', async () => {
      const { page } = wb;
      await showProdigyView(page);
      await setSidebarWidth(page, 560);
      await page
        .locator('.part.sidebar .welcome-view-content, .part.sidebar .monaco-list-row')
        .first()
        .waitFor({ timeout: 20_000 });
      await wb.screenshot('e2e-run-00-empty-view');

      // The palette, as typed by a person.
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: STEP });
      await input.fill('>');
      await input.pressSequentially('Prodigy: Run Workflow', { delay: 10 });
      const entry = page
        .locator('.quick-input-widget .monaco-list-row')
        .filter({ hasText: 'Prodigy: Run Workflow…' })
        .first();
      await entry.waitFor({ timeout: STEP });
      await wb.screenshot('e2e-run-01-palette');
      await entry.click();

      // The workflow file picker: file name, workflow name and relative path.
      const picked = await pickQuickItemAfterScreenshot(WORKFLOW_FILE, 'e2e-run-02-pick-workflow');
      assert.match(picked, new RegExp(`${WORKFLOW}.*workflows/${WORKFLOW_FILE}`), `picker item: ${picked}`);

      // The session row appears, Running, waiting in step 2 (one step done).
      const row = await waitForRowText(page, new RegExp(`^${WORKFLOW} Running · step 2/4`));
      const ids = fs.readdirSync(path.join(wb.home, 'sessions')).filter((f) => f.endsWith('.json'));
      assert.equal(ids.length, 1, `one session record expected, found ${ids.join(', ')}`);
      sessionId = ids[0].replace(/\.json$/, '');
      console.log(`session ${sessionId}; row: ${row}`);

      // The status bar item: spinning, workflow name and the step running now.
      const item = await waitForStatusBarItem(page, new RegExp(`${WORKFLOW} · step 2/4`));
      assert.deepEqual(item.icons, ['sync~spin'], `status bar icons: ${JSON.stringify(item)}`);

      // Progress is on the Sessions view and in the status bar: no notification stays up for the run.
      const shown = await notificationTexts(page);
      console.log(`notifications:\n${await shownNotifications()}`);
      assert.ok(!shown.some((t) => /step \d\/4|Running /.test(t)), `a progress notification is shown: ${shown}`);

      // On disk: Running, a worktree on its own branch, step 2 waiting.
      const rec = record(sessionId);
      assert.equal(rec.status, 'Running');
      const wt = worktreeOf(sessionId);
      assert.ok(wt, 'the session has a worktree');
      assert.equal(git(wt, 'rev-parse', '--abbrev-ref', 'HEAD'), `prodigy-${sessionId}`);
      assert.equal(fs.readFileSync(path.join(wt, 'notes', 'plan.md'), 'utf8'), '# Plan\n\nfirst draft\n');
      assert.ok(gateWaiters().length > 0, 'step 2 is waiting for the gate');

      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-run-03-running-tree-and-statusbar');
    });
  },
);

/** Wait for the quick pick to list `text`, screenshot it, then click it; returns the item's text. */
async function pickQuickItemAfterScreenshot(text, shot) {
  const row = wb.page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await wb.screenshot(shot);
  return pickQuickItem(wb.page, text);
}

test("2. Stop from the row's inline action: the row and the status bar show Paused", { timeout: 60_000 }, async () => {
  assert.ok(sessionId, 'test 1 started a session');
  await withFailureScreenshot(wb, 'e2e-run-04', async () => {
    const { page } = wb;
    const row = sessionRow(page, WORKFLOW);
    // The row is re-rendered when the run registers as live in this window: wait for its Stop action.
    const actions = await pollUntil(
      async () => {
        const a = await rowActionTitles(page, row);
        return a.some((x) => x.startsWith('Stop Session')) ? a : undefined;
      },
      {
        timeout: STEP,
        message: 'an inline Stop action on the running row',
        describe: async () => (await rowActionTitles(page, row)).join(', '),
      },
    );
    console.log(`inline actions of the running row: ${actions.join(' | ')}`);
    // Resuming a run this window owns can only fail ("already running in this window").
    assert.ok(
      !actions.some((a) => a.startsWith('Resume Session')),
      `a running row offers Resume: ${actions.join(', ')}`,
    );
    await clickRowAction(page, row, 'Stop Session');

    const text = await waitForRowText(page, new RegExp(`^${WORKFLOW} Paused · step 2/4`), { timeout: 20_000 });
    console.log(`row: ${text}`);
    const item = await waitForStatusBarItem(page, new RegExp(`${WORKFLOW} paused · step 2/4`));
    assert.deepEqual(item.icons, ['debug-pause'], `status bar icons: ${JSON.stringify(item)}`);
    await waitForNotification(page, /"e2e-gated" \(started [^)]+\) stopped/);
    console.log(`notifications:\n${await shownNotifications()}`);

    // On disk: Paused before step 2; the waiting step was killed.
    const rec = record(sessionId);
    assert.equal(rec.status, 'Paused');
    await pollUntil(() => gateWaiters().length === 0, {
      timeout: 10_000,
      message: 'the stopped step to exit',
      describe: () => gateWaiters().join('\n'),
    });
    await wb.screenshot('e2e-run-04-stopped');
  });
});

test("3. Resume from the row's inline action; once the gate opens it completes", { timeout: 90_000 }, async () => {
  assert.ok(sessionId, 'test 1 started a session');
  await withFailureScreenshot(wb, 'e2e-run-05', async () => {
    const { page } = wb;
    const row = sessionRow(page, WORKFLOW);
    const actions = await pollUntil(
      async () => {
        const a = await rowActionTitles(page, row);
        return a.some((x) => x.startsWith('Resume Session')) ? a : undefined;
      },
      {
        timeout: STEP,
        message: 'an inline Resume action on the paused row',
        describe: async () => (await rowActionTitles(page, row)).join(', '),
      },
    );
    console.log(`inline actions of the paused row: ${actions.join(' | ')}`);
    assert.ok(!actions.some((a) => a.startsWith('Stop Session')), `a paused row offers Stop: ${actions.join(', ')}`);
    await clickRowAction(page, row, 'Resume Session');

    // Running again, in step 2 (the stopped step runs again).
    await waitForRowText(page, new RegExp(`^${WORKFLOW} Running · step 2/4`), { timeout: 20_000 });
    await waitForStatusBarItem(page, new RegExp(`${WORKFLOW} · step 2/4`));
    await pollUntil(() => gateWaiters().length > 0, { timeout: STEP, message: 'step 2 to wait for the gate again' });
    await wb.screenshot('e2e-run-05-resumed-running');

    fs.writeFileSync(gate, 'open\n');
    const text = await waitForRowText(page, new RegExp(`^${WORKFLOW} Completed · (?:.+ · )?step 4/4`), {
      timeout: 30_000,
    });
    console.log(`row: ${text}`);
    await waitForNotification(page, /"e2e-gated" \(started [^)]+\) completed/);
    // Completed: the status bar item goes away.
    await waitForStatusBarItem(page, new RegExp(WORKFLOW), { absent: true });
    console.log(`notifications:\n${await shownNotifications()}`);

    // On disk: Completed; the branch has both commits; prodigy.merge = never left the workspace alone.
    assert.equal(record(sessionId).status, 'Completed');
    const wt = worktreeOf(sessionId);
    assert.equal(fs.readFileSync(path.join(wt, 'notes', 'plan.md'), 'utf8'), '# Plan\n\nsecond draft\n');
    assert.equal(fs.readFileSync(path.join(wt, 'notes', 'report.md'), 'utf8'), 'all good\n');
    assert.ok(
      !fs.existsSync(path.join(wb.workspace, 'notes')),
      'prodigy.merge=never: nothing merged into the workspace',
    );
    await wb.screenshot('e2e-run-06-resumed-completed');
  });
});

test(
  "4. Restore Checkpoint… from a checkpoint row's context menu: the diff first, Restore to Here in its title, Paused, files back",
  { timeout: 90_000 },
  async () => {
    assert.ok(sessionId, 'test 1 started a session');
    await withFailureScreenshot(wb, 'e2e-run-07', async () => {
      const { page } = wb;
      const wt = worktreeOf(sessionId);
      const headBefore = git(wt, 'rev-parse', 'HEAD');

      // Expand the session (a click selects and, in single-click mode, expands it).
      const row = sessionRow(page, WORKFLOW);
      await row.click();
      if ((await row.getAttribute('aria-expanded')) !== 'true') await page.keyboard.press('ArrowRight');
      // "After 1 · Write the plan (5b707c5)": the step's name and the short commit; no "N/4 steps done" row.
      const texts = await pollUntil(
        async () => {
          const t = await rowTexts(page);
          return t.filter((x) => /^After \d · .* \([0-9a-f]{7}\)/.test(x)).length >= 4 ? t : undefined;
        },
        { timeout: 20_000, message: 'the checkpoint rows', describe: async () => (await rowTexts(page)).join('\n') },
      );
      console.log(`rows:\n${texts.map((t) => `  - ${t}`).join('\n')}`);
      assert.ok(
        texts.some((t) => /^After 1 · Write the plan \([0-9a-f]{7}\)/.test(t)),
        texts.join('\n'),
      );
      assert.ok(!texts.some((t) => /steps done/.test(t)), `no Prodigy checkpoint-file row: ${texts.join('\n')}`);
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-run-07-checkpoints');

      // Context menu of the checkpoint after step 1: Restore Checkpoint…
      const cpRow = sessionRow(page, /^After 1 · Write the plan/);
      const menu = await openContextMenu(page, cpRow);
      console.log(`checkpoint context menu: ${menu.labels.join(' | ')}`);
      assert.ok(
        menu.labels.some((l) => /^Restore Checkpoint/.test(l)),
        `no Restore in ${menu.labels.join(', ')}`,
      );
      await wb.screenshot('e2e-run-08-restore-menu');
      await menu.click(/^Restore Checkpoint/);

      // The multi-file diff of what the restore changes, with Restore to Here in its title; no modal over it.
      const tab = await waitForEditorTab(page, /^Restore e2e-gated to After 1 · Write the plan/);
      console.log(`diff tab: ${tab.title}`);
      const action = page.locator('.part.editor .editor-actions [aria-label^="Restore to Here"]').first();
      await action.waitFor({ state: 'visible', timeout: STEP });
      await waitForNotification(page, /restore "e2e-gated" \(started [^)]+\) to After 1 · Write the plan/);
      assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no modal dialog over the diff');
      const diffFiles = await multiDiffFiles();
      console.log(`diff lists: ${diffFiles.join(', ')}`);
      assert.ok(
        diffFiles.some((f) => f.includes('plan.md')) && diffFiles.some((f) => f.includes('report.md')),
        `the diff lists plan.md and report.md: ${diffFiles.join(', ')}`,
      );
      // report.md did not exist at the checkpoint: the restore deletes it, and the diff says so.
      assert.match(
        diffFiles.find((f) => f.includes('report.md')),
        /D$/,
        `report.md is marked deleted: ${diffFiles.join(', ')}`,
      );
      await action.hover();
      await page.waitForTimeout(800);
      await wb.screenshot('e2e-run-09-restore-diff-title-action');
      assert.equal(git(wt, 'rev-parse', 'HEAD'), headBefore, 'nothing is restored before Restore to Here');
      assert.equal(record(sessionId).status, 'Completed', 'the session is still Completed');

      // Restore to Here, from the diff's title.
      await action.click();
      await waitForRowText(page, new RegExp(`^${WORKFLOW} Paused · step 2/4`), { timeout: 20_000 });
      await waitForNotification(page, /"e2e-gated" \(started [^)]+\) restored to After 1 · Write the plan/);
      await waitForStatusBarItem(page, new RegExp(`${WORKFLOW} paused · step 2/4`));
      console.log(`notifications:\n${await shownNotifications()}`);
      const buttons = await page
        .locator('.notification-toast', { hasText: 'restored to After 1' })
        .locator('.monaco-button')
        .allTextContents();
      assert.deepEqual(buttons, ['Resume', 'Undo Restore'], `buttons: ${buttons.join(', ')}`);

      // On disk: the worktree is back at step 1's commit; the record is Paused before step 2.
      assert.equal(fs.readFileSync(path.join(wt, 'notes', 'plan.md'), 'utf8'), '# Plan\n\nfirst draft\n');
      assert.ok(!fs.existsSync(path.join(wt, 'notes', 'report.md')), 'notes/report.md is gone');
      assert.notEqual(git(wt, 'rev-parse', 'HEAD'), headBefore);
      assert.equal(git(wt, 'status', '--porcelain'), '');
      const rec = record(sessionId);
      assert.equal(rec.status, 'Paused');
      assert.equal(rec.workflow_data?.current_step, 1);
      // The diff is closed; the checkpoints after step 1 belong to the timeline the restore left: under "Undone".
      assert.ok(!(await editorTabs(page)).some((t) => /^Restore e2e-gated/.test(t.title)), 'the diff is closed');
      await waitForRowText(page, /^Undone \(\d\)/, { timeout: 20_000 });
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-run-11-restored');
    });
  },
);

async function multiDiffFiles() {
  return pollUntil(
    async () => {
      const names = await wb.page
        .locator('.part.editor .multiDiffEntry .header')
        .evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()));
      return names.length ? names : undefined;
    },
    { timeout: STEP, message: "the multi-file diff editor's entries" },
  );
}

test("5. Open Session Log from the palette: the log shows the steps' output", { timeout: 60_000 }, async () => {
  assert.ok(sessionId, 'test 1 started a session');
  await withFailureScreenshot(wb, 'e2e-run-12', async () => {
    const { page } = wb;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: STEP });
    await input.fill('>Prodigy: Open Session Log');
    await page
      .locator('.quick-input-widget .monaco-list-row')
      .filter({ hasText: 'Prodigy: Open Session Log' })
      .first()
      .waitFor({ timeout: STEP });
    await page.keyboard.press('Enter');
    // The session picker: workflow name, status, id.
    const picked = await pickQuickItemAfterScreenshot(sessionId, 'e2e-run-12-log-pick');
    console.log(`picked: ${picked}`);

    // Its tab is named by the workflow and its start time, not by the session id.
    const tab = await waitForEditorTab(page, /^e2e-gated \(started [^)]+\)\.log/);
    assert.ok(tab.active, `the log tab is active: ${JSON.stringify(await editorTabs(page))}`);
    const expected = [
      'step 1: wrote notes/plan.md',
      'step 2: waiting for the gate',
      'step 2: gate is open',
      'step 3: rewrote notes/plan.md',
      'step 4: done',
    ];
    const lines = await pollUntil(
      async () => {
        const l = await activeEditorLines(page);
        return expected.every((e) => l.some((x) => x.includes(e))) ? l : undefined;
      },
      {
        timeout: STEP,
        message: `the log to show ${expected.join(' / ')}`,
        describe: async () => (await activeEditorLines(page)).join('\n'),
      },
    );
    console.log(`log (${lines.length} lines in view):\n${lines.map((l) => `  | ${l}`).join('\n')}`);
    // The run was stopped once: step 2 started twice.
    assert.ok(
      lines.filter((l) => l.includes('step 2: waiting for the gate')).length >= 2,
      'step 2 ran before the stop and after the resume',
    );
    await page.mouse.move(900, 600);
    await wb.screenshot('e2e-run-13-log');
  });
});

test(
  '6. Resume Session… from the palette with the log open: the log follows the run live',
  { timeout: 60_000 },
  async () => {
    assert.ok(sessionId, 'test 1 started a session');
    await withFailureScreenshot(wb, 'e2e-run-14', async () => {
      const { page } = wb;
      const before = await activeEditorLineCount(page);
      console.log(`log lines before the resume: ${before}`);
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: STEP });
      await input.fill('>Prodigy: Resume Session');
      await page
        .locator('.quick-input-widget .monaco-list-row')
        .filter({ hasText: 'Prodigy: Resume Session…' })
        .first()
        .waitFor({ timeout: STEP });
      await page.keyboard.press('Enter');
      await pickQuickItemAfterScreenshot(sessionId, 'e2e-run-14-resume-pick');

      // The gate is open: steps 2 to 4 run again and the open log document shows them without reopening.
      await waitForRowText(page, new RegExp(`^${WORKFLOW} Completed · (?:.+ · )?step 4/4`), { timeout: 30_000 });
      const lines = await pollUntil(
        async () => {
          const count = await activeEditorLineCount(page);
          const l = await activeEditorLines(page);
          return count > before && l.some((x) => x.includes('step 4: done')) && l.some((x) => /Kept branch/.test(x))
            ? l
            : undefined;
        },
        {
          timeout: STEP,
          interval: 500,
          message: 'the open log to show the resumed run',
          describe: async () => (await activeEditorLines(page)).join('\n'),
        },
      );
      console.log(
        `log end:\n${lines
          .slice(-14)
          .map((l) => `  | ${l}`)
          .join('\n')}`,
      );
      assert.ok(
        lines.some((l) => /Resuming session .*: 1 of 4 steps already done/.test(l)),
        'the log shows the resume',
      );
      await waitForStatusBarItem(page, new RegExp(WORKFLOW), { absent: true });
      assert.equal(fs.readFileSync(path.join(worktreeOf(sessionId), 'notes', 'report.md'), 'utf8'), 'all good\n');
      // Steps 2 to 4 twice: the first run of each undone, the re-run not.
      // Steps 2 to 4 of the re-run as rows; the first run's three under the collapsed "Undone (3)".
      await pollUntil(
        async () => {
          const rows = await rowTexts(page);
          return rows.filter((t) => /^After [234] · /.test(t)).length === 3 && rows.some((t) => /^Undone \(3\)/.test(t))
            ? rows
            : undefined;
        },
        {
          timeout: STEP,
          message: 'three step 2-4 checkpoint rows and Undone (3)',
          describe: async () => (await rowTexts(page)).join('\n'),
        },
      );
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-run-15-log-live-after-resume');
    });
  },
);

test(
  '7. Repeat Workflow or Run per Input…: once per matching file, with the count shown as the pattern is typed',
  { timeout: 90_000 },
  async () => {
    await withFailureScreenshot(wb, 'e2e-run-16', async () => {
      const { page } = wb;
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: STEP });
      await input.fill('>Prodigy: Repeat Workflow');
      await page
        .locator('.quick-input-widget .monaco-list-row')
        .filter({ hasText: 'Prodigy: Repeat Workflow or Run per Input…' })
        .first()
        .waitFor({ timeout: STEP });
      await page.keyboard.press('Enter');
      await pickQuickItem(page, PER_SPEC_FILE);
      await pickQuickItemAfterScreenshot('Once per matching file', 'e2e-run-16-pass-mode');

      // The pattern box says how many inputs the pattern gives before anything runs.
      await input.waitFor({ state: 'visible', timeout: STEP });
      await input.fill('specs/*.md');
      const feedback = page.locator('.quick-input-widget .quick-input-message');
      await pollUntil(async () => ((await feedback.textContent()) ?? '').includes('2 inputs: 65, 70') || undefined, {
        timeout: STEP,
        message: 'the pattern feedback',
        describe: async () => (await feedback.textContent()) ?? '(none)',
      });
      await wb.screenshot('e2e-run-17-pattern-feedback');
      await page.keyboard.press('Enter');

      // One session, two passes; its checkpoints name the input each step ran with.
      await waitForRowText(page, new RegExp(`^${PER_SPEC} Completed · (?:.+ · )?step 2/2`), { timeout: 30_000 });
      const row = sessionRow(page, PER_SPEC);
      await row.click();
      if ((await row.getAttribute('aria-expanded')) !== 'true') await page.keyboard.press('ArrowRight');
      const rows = await pollUntil(
        async () => {
          const t = (await rowTexts(page)).filter((x) => /input (65|70) \[\d\/2\]/.test(x));
          return t.length === 2 ? t : undefined;
        },
        {
          timeout: 20_000,
          message: 'two checkpoint rows naming their input',
          describe: async () => (await rowTexts(page)).join('\n'),
        },
      );
      console.log(`per-input checkpoints:\n${rows.map((t) => `  - ${t}`).join('\n')}`);
      const id = fs
        .readdirSync(path.join(wb.home, 'sessions'))
        .map((f) => f.replace(/\.json$/, ''))
        .find((i) => record(i).metadata?.inputs);
      assert.ok(id, 'a session with inputs');
      assert.deepEqual(record(id).metadata.inputs, ['65', '70']);
      assert.equal(fs.readFileSync(path.join(worktreeOf(id), 'done.txt'), 'utf8'), '65\n70\n');
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-run-18-per-input-checkpoints');
    });
  },
);
