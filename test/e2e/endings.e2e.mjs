// E2E: how a run ends, through the real UI (code-server + headless Chromium), as a new user meets it (issue 14):
//   1. Run Workflow… from the palette (`tidy-docs`, two shell steps that each commit a file, in a worktree); the
//      end-of-run merge question is closed unanswered: the row says "awaiting merge decision" with inline Merge,
//      Keep and Discard, the status bar says `tidy-docs: merge?`;
//   2. the row's inline Merge: the row says "merged into main", the notification names the workflow;
//   3. a second run, then the row's inline Discard: a modal names the commits lost; confirmed, the row says
//      discarded and offers no Merge, Discard or Reveal Worktree any more;
//   4. Delete Session from that row's context menu: the confirmation names the workflow; the toast's Undo brings
//      the row back.
// In every state the session rows are labelled with the workflow's name and no notification shows a raw session
// id. Each state is saved as test-results/e2e-endings-NN-<state>.png. The tests share one workbench, in order.
// Run through test/host/run-e2e.mjs (`node test/host/run-e2e.mjs endings`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir } from '../host/codeServer.mjs';
import {
  clickRowAction,
  initGitRepo,
  notificationTexts,
  openContextMenu,
  openWorkbench,
  pickQuickItem,
  pollUntil,
  rowActionTitles,
  runCommand,
  sessionRow,
  sessionRows,
  setSidebarWidth,
  showProdigyView,
  waitForDialog,
  waitForNotification,
  waitForRowText,
  waitForStatusBarItem,
  withFailureScreenshot,
} from '../host/workbench.mjs';

const WORKFLOW = 'tidy-docs';
const WORKFLOW_FILE = 'tidy-docs.workflow.yml';
/** `"tidy-docs" (started 14:02)`: how messages name a session. */
const WHO = /"tidy-docs" \(started [^)]+\)/;
/** A raw session id: `session-` + uuid (MapReduce) or `workflow-` + epoch milliseconds. */
const RAW_ID = /session-[0-9a-f]{8}-[0-9a-f]{4}-|workflow-\d{6,}/;
/**
 * A session's git branch, `prodigy-{id}`: Prodigy's name for it, which a user needs to find it in git. It is
 * the one place an id may stand in a message (the discard modal names it, issue 14 says so); the check below
 * leaves it out, and logs it.
 */
const BRANCH = /\bprodigy-(?:session-[0-9a-f-]{36}|workflow-\d+)/g;

/** The row of a run whose merge question is open (closed unanswered or not). */
const AWAITING = new RegExp(`^${WORKFLOW} Completed · awaiting merge decision · 2 new commits`);

let wb;
/** The merged run (tests 1-2) and the discarded one (tests 3-4). */
let mergedId;
let discardedId;

before(
  async () => {
    wb = await openWorkbench({
      home: makeTempDir('prodigy-home-'),
      prepareWorkspace: (dir) =>
        initGitRepo(dir, {
          'README.md': '# e2e workspace\n',
          // Appends, so that a second run has something to commit too.
          [`workflows/${WORKFLOW_FILE}`]: [
            `name: ${WORKFLOW}`,
            'commands:',
            "  - shell: \"echo '# Usage' >> USAGE.md && git add USAGE.md && git commit -qm 'Add usage'\"",
            "  - shell: \"echo '# FAQ' >> FAQ.md && git add FAQ.md && git commit -qm 'Add FAQ'\"",
            '',
          ].join('\n'),
        }),
      // The default, said out loud: the end-of-run merge question is asked.
      settings: { 'prodigy.merge': 'ask' },
    });
    await showProdigyView(wb.page);
    await setSidebarWidth(wb.page, 560);
  },
  { timeout: 120_000 },
);

after(async () => {
  await wb?.close();
});

// ------------------------------------------------------------------------------------------------ helpers
const record = (id) => JSON.parse(fs.readFileSync(path.join(wb.home, 'sessions', `${id}.json`), 'utf8'));
const recordExists = (id) => fs.existsSync(path.join(wb.home, 'sessions', `${id}.json`));
const git = (...args) =>
  execFileSync('git', args, { cwd: wb.workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Run Workflow… from the palette, pick tidy-docs; returns the new session's id once its record exists. */
async function runTidyDocs() {
  const dir = path.join(wb.home, 'sessions');
  const ids = () => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : []);
  const known = new Set(ids());
  await runCommand(wb.page, 'Prodigy: Run Workflow…');
  await pickQuickItem(wb.page, WORKFLOW_FILE);
  const file = await pollUntil(() => ids().find((f) => !known.has(f)), { message: `a new ${WORKFLOW} session` });
  return file.slice(0, -'.json'.length);
}

/** The end-of-run merge question for the run: names the workflow and the commits, and offers what to do. */
async function waitForMergeQuestion() {
  const question = /"tidy-docs" \(started [^)]+\) finished with 2 new commits\. Merge them into main\?/;
  const toast = await waitForNotification(wb.page, question, { timeout: 60_000 });
  await settled(toast);
  const buttons = (await toast.locator('.monaco-button').allTextContents()).map((b) => b.trim());
  assert.deepEqual(buttons, ['Review Changes', 'Merge', 'Keep Branch', 'Discard'], `buttons: ${buttons.join(', ')}`);
  return toast;
}

/** Waits until a toast has slid in whole (screenshots taken sooner show it faded and cut off). */
async function settled(toast) {
  await pollUntil(async () => /\bnotification-fade-in-done\b/.test((await toast.getAttribute('class')) ?? ''), {
    timeout: 5_000,
    message: 'the toast to finish sliding in',
  });
}

/** Closes a toast with its own × (as a person dismisses it), and waits until it is gone. */
async function dismissToast(toast) {
  await toast.hover();
  await toast.locator('.codicon-notifications-clear').first().click();
  await toast.waitFor({ state: 'hidden', timeout: 10_000 });
  await wb.page.mouse.move(900, 600);
}

/**
 * What issue 14 asks of every state a user sees: each session row is labelled with the workflow's name, and no
 * notification (toast or centre) shows a raw session id.
 */
async function assertNamesNotIds(state, { rows = 1 } = {}) {
  const labels = await sessionRows(wb.page).evaluateAll((els) =>
    els
      .filter((r) => r.getAttribute('aria-level') === '1')
      .map((r) => r.querySelector('.label-name')?.textContent?.trim() ?? ''),
  );
  console.log(`${state}: session rows ${JSON.stringify(labels)}`);
  assert.equal(labels.length, rows, `${state}: ${rows} session row(s) expected: ${labels.join(', ')}`);
  assert.ok(
    labels.every((l) => l === WORKFLOW),
    `${state}: every session row is labelled "${WORKFLOW}": ${labels.join(', ')}`,
  );
  const shown = await notificationTexts(wb.page);
  console.log(`${state}: notifications\n${shown.map((t) => `  - ${t}`).join('\n') || '  (none)'}`);
  const branches = shown.flatMap((t) => t.match(BRANCH) ?? []);
  if (branches.length) console.log(`${state}: branch names in notifications: ${branches.join(', ')}`);
  const raw = shown.filter((t) => RAW_ID.test(t.replace(BRANCH, '<branch>')));
  assert.deepEqual(raw, [], `${state}: a notification shows a raw session id`);
}

/** Screenshot a state, after checking names-not-ids in it. */
async function shot(name, opts) {
  await assertNamesNotIds(name, opts);
  await wb.screenshot(`e2e-endings-${name}`);
}

/** One test of the tour: on failure, test-results/e2e-endings-<failure>-failure.png and the logs. */
function tourStep(title, { timeout, failure }, fn) {
  test(title, { timeout }, () => withFailureScreenshot(wb, `e2e-endings-${failure}`, () => fn(wb.page)));
}

// ------------------------------------------------------------------------------------------------ tests
tourStep(
  '1. Run Workflow… ends with the merge question; dismissed, the decision waits on the row and in the status bar',
  { timeout: 150_000, failure: '01' },
  async (page) => {
    mergedId = await runTidyDocs();
    console.log(`first run: ${mergedId}`);

    const toast = await waitForMergeQuestion();
    // The question's row: awaiting, with the count, before anybody answers.
    await waitForRowText(page, AWAITING);
    await shot('01-merge-question');

    await dismissToast(toast);
    // Closing the toast decided nothing: the row still waits, with its three answers inline.
    await page.waitForTimeout(1_000);
    const text = await waitForRowText(page, AWAITING);
    console.log(`row: ${text}`);
    const actions = await rowActionTitles(page, sessionRow(page, /awaiting merge decision/));
    console.log(`inline actions: ${actions.join(' | ')}`);
    for (const a of ['Merge Session Branch', 'Keep Session Branch', 'Discard Session Work'])
      assert.ok(
        actions.some((x) => x.startsWith(a)),
        `inline ${a} on the waiting row: ${actions.join(', ')}`,
      );
    const item = await waitForStatusBarItem(page, new RegExp(`${WORKFLOW}: merge\\?`));
    assert.deepEqual(item.icons, ['git-merge'], `status bar icons: ${JSON.stringify(item)}`);

    // On disk: Completed, the branch kept and marked pending; nothing merged into the workspace yet.
    const rec = record(mergedId);
    assert.equal(rec.status, 'Completed');
    assert.equal(rec.metadata.merge?.status, 'kept');
    assert.equal(rec.metadata.merge?.decision, 'pending');
    assert.ok(!fs.existsSync(path.join(wb.workspace, 'USAGE.md')), 'nothing merged yet');

    // The row shows its actions while hovered, as a person about to decide sees it.
    await sessionRow(page, /awaiting merge decision/).hover();
    await page.waitForTimeout(300);
    await shot('02-awaiting-decision');
    await page.mouse.move(900, 600);
  },
);

tourStep(
  "2. the row's inline Merge: merged into main, and the notification names the workflow",
  { timeout: 60_000, failure: '03' },
  async (page) => {
    assert.ok(mergedId, 'test 1 started a session');
    await clickRowAction(page, sessionRow(page, /awaiting merge decision/), 'Merge Session Branch');

    await settled(await waitForNotification(page, new RegExp(`${WHO.source} merged into main \\(2 commits\\)\\.`)));
    const text = await waitForRowText(page, new RegExp(`^${WORKFLOW} Completed · merged into main`));
    console.log(`row: ${text}`);
    await waitForStatusBarItem(page, /merge\?/, { absent: true });
    // Merged: no branch left to act on, so no Merge, Keep, Discard or Reveal Worktree on the row.
    const actions = await rowActionTitles(page, sessionRow(page, /merged into main/));
    assert.ok(
      !actions.some((a) => /^(Merge|Keep|Discard)/.test(a)),
      `a merged row offers no merge decision: ${actions.join(', ')}`,
    );

    // On disk: the files are in the workspace's main, the record says merged into main.
    assert.equal(fs.readFileSync(path.join(wb.workspace, 'USAGE.md'), 'utf8'), '# Usage\n');
    assert.equal(fs.readFileSync(path.join(wb.workspace, 'FAQ.md'), 'utf8'), '# FAQ\n');
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    const merge = record(mergedId).metadata.merge;
    assert.equal(merge?.status, 'merged');
    assert.equal(merge?.target, 'main');
    assert.equal(merge?.decision, undefined, 'the decision is made');
    await shot('03-merged');
  },
);

tourStep(
  '3. a second run, Discard from the row: a modal names the commits lost; then the row says discarded, no Merge',
  { timeout: 150_000, failure: '04' },
  async (page) => {
    assert.ok(mergedId, 'test 1 started a session');
    // Read and done with, as a person closes it: later screenshots show only what comes next.
    await dismissToast(await waitForNotification(page, /merged into main \(2 commits\)/));
    discardedId = await runTidyDocs();
    console.log(`second run: ${discardedId}`);
    await dismissToast(await waitForMergeQuestion());
    await waitForRowText(page, AWAITING);
    const branch = record(discardedId).metadata.merge?.branch ?? `prodigy-${discardedId}`;
    assert.match(git('branch', '--list', branch), new RegExp(branch), 'the branch exists before the discard');

    await clickRowAction(page, sessionRow(page, /awaiting merge decision/), 'Discard Session Work');
    const dialog = await waitForDialog(page);
    console.log(`dialog: ${dialog.message}\n  ${dialog.detail}\n  buttons: ${dialog.buttons.join(' | ')}`);
    assert.equal(dialog.message, `Delete 2 commits on ${branch}?`);
    assert.match(dialog.detail, new RegExp(`The work of ${WHO.source} is thrown away`));
    assert.ok(dialog.buttons.includes('Discard'), `buttons: ${dialog.buttons.join(', ')}`);
    // Nothing is gone while the question is open.
    assert.equal(record(discardedId).metadata.merge?.status, 'kept');
    await shot('04-discard-modal', { rows: 2 });

    await dialog.click('Discard');
    const text = await waitForRowText(page, new RegExp(`^${WORKFLOW} Completed · discarded`), { timeout: 20_000 });
    console.log(`row: ${text}`);
    await waitForStatusBarItem(page, /merge\?/, { absent: true });
    const row = sessionRow(page, /discarded/);
    const actions = await rowActionTitles(page, row);
    console.log(`inline actions: ${actions.join(' | ')}`);
    assert.ok(
      !actions.some((a) => /^(Merge|Keep|Discard|Reveal Worktree)/.test(a)),
      `a discarded row offers no Merge, Keep, Discard or Reveal Worktree: ${actions.join(', ')}`,
    );
    const menu = await openContextMenu(page, row);
    console.log(`context menu: ${menu.labels.join(' | ')}`);
    await page.keyboard.press('Escape');
    assert.ok(
      !menu.labels.some((l) => /^(Merge Session Branch|Discard Session Work|Reveal Worktree|Review Session)/.test(l)),
      `the discarded row's menu: ${menu.labels.join(', ')}`,
    );
    assert.ok(menu.labels.includes('Delete Session'), `Delete is still offered: ${menu.labels.join(', ')}`);

    // On disk: recorded as discarded, the branch and the worktree are gone; main still has only the first run.
    assert.equal(record(discardedId).metadata.merge?.status, 'discarded');
    assert.equal(git('branch', '--list', branch), '', 'the branch is deleted');
    assert.equal(fs.readFileSync(path.join(wb.workspace, 'USAGE.md'), 'utf8'), '# Usage\n');
    await page.mouse.move(900, 600);
    await shot('05-discarded', { rows: 2 });
  },
);

tourStep(
  "4. Delete Session from the row's context menu: the confirmation names the workflow; Undo brings it back",
  { timeout: 60_000, failure: '06' },
  async (page) => {
    assert.ok(discardedId, 'test 3 discarded a session');
    const menu = await openContextMenu(page, sessionRow(page, /discarded/));
    await menu.click('Delete Session');
    // A click that lands while the menu is still settling only highlights the item: then click it again.
    await page.waitForTimeout(500);
    if (await menu.menu.isVisible()) await menu.click('Delete Session');
    const dialog = await waitForDialog(page);
    console.log(`dialog: ${dialog.message}\n  ${dialog.detail}\n  buttons: ${dialog.buttons.join(' | ')}`);
    assert.match(dialog.message, new RegExp(`^Delete ${WHO.source}\\?$`));
    assert.doesNotMatch(`${dialog.message} ${dialog.detail}`, RAW_ID, 'the confirmation shows no raw id');
    assert.ok(dialog.buttons.includes('Delete'), `buttons: ${dialog.buttons.join(', ')}`);
    await shot('06-delete-confirm', { rows: 2 });

    await dialog.click(/^Delete$/);
    const toast = await waitForNotification(page, new RegExp(`^Prodigy: deleted ${WHO.source}\\.`));
    await settled(toast);
    const buttons = (await toast.locator('.monaco-button').allTextContents()).map((b) => b.trim());
    assert.deepEqual(buttons, ['Undo'], `buttons: ${buttons.join(', ')}`);
    // The row is gone, the merged one stays; the record is in the trash.
    await pollUntil(async () => (await sessionRow(page, /discarded/).count()) === 0, {
      timeout: 10_000,
      message: 'the deleted row to go',
    });
    await waitForRowText(page, new RegExp(`^${WORKFLOW} Completed · merged into main`));
    assert.ok(!recordExists(discardedId), 'the record moved to the trash');
    await shot('07-deleted-undo-toast');

    await toast.locator('.monaco-button', { hasText: 'Undo' }).click();
    await page.mouse.move(900, 600);
    await settled(await waitForNotification(page, new RegExp(`${WHO.source} is back\\.`)));
    const text = await waitForRowText(page, new RegExp(`^${WORKFLOW} Completed · discarded`), { timeout: 20_000 });
    console.log(`row: ${text}`);
    assert.ok(recordExists(discardedId), 'the record is back');
    assert.equal(record(discardedId).metadata.merge?.status, 'discarded');
    await shot('08-undone', { rows: 2 });
  },
);
