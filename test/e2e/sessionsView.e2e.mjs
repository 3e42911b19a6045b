// E2E: the Sessions view in a real VS Code workbench (code-server + headless Chromium) lists the sessions
// of a seeded Prodigy home. Run through test/host/run-e2e.mjs (npm run test:e2e).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../host/config.mjs';
import { after, before, test } from 'node:test';
import { BROKEN_FILE, MAPREDUCE_SESSION_ID, WORKFLOW_NAME } from '../host/seedHome.mjs';
import {
  openWorkbench,
  rowTexts,
  runCommand,
  sessionRows,
  setSidebarWidth,
  showProdigyView,
  waitForSessionRows,
  withFailureScreenshot,
} from '../host/workbench.mjs';

let wb;

before(
  async () => {
    wb = await openWorkbench();
  },
  { timeout: 120_000 },
);

after(async () => {
  await wb?.close();
});

test('Sessions view lists the seeded sessions and the unreadable file', { timeout: 120_000 }, async () => {
  await withFailureScreenshot(wb, 'e2e-sessions-view', async () => {
    await showProdigyView(wb.page);
    await setSidebarWidth(wb.page, 620);
    const texts = await waitForSessionRows(wb.page, [WORKFLOW_NAME, MAPREDUCE_SESSION_ID, BROKEN_FILE]);
    console.log(`Sessions rows:\n${texts.map((t) => `  - ${t}`).join('\n')}`);
    // Two workflow sessions carry the name "implement-feature" (running + completed).
    assert.ok(
      texts.filter((t) => t.includes(WORKFLOW_NAME)).length >= 2,
      `expected 2 rows named ${WORKFLOW_NAME}, got:\n${texts.join('\n')}`,
    );
    await wb.screenshot('e2e-sessions-view');
  });
});

test('Refresh Sessions keeps the list', { timeout: 60_000 }, async () => {
  await withFailureScreenshot(wb, 'e2e-refresh', async () => {
    await runCommand(wb.page, 'Prodigy: Refresh Sessions');
    await waitForSessionRows(wb.page, [WORKFLOW_NAME, MAPREDUCE_SESSION_ID, BROKEN_FILE]);
    assert.ok((await rowTexts(wb.page)).length >= 4);
  });
});

test(
  "Expanding a session shows its checkpoints; Prodigy's checkpoint file is in the tooltip, not a row",
  { timeout: 60_000 },
  async () => {
    await withFailureScreenshot(wb, 'e2e-checkpoints', async () => {
      const row = sessionRows(wb.page).filter({ hasText: 'fix-tests' }).first();
      await row.click();
      await wb.page.keyboard.press('ArrowRight');
      const texts = await waitForSessionRows(wb.page, [/Session state when the run failed \(at step 1\)/]);
      assert.ok(
        !texts.some((t) => /steps? done/.test(t)),
        `Prodigy's checkpoint file is shown as a row:\n${texts.join('\n')}`,
      );
      await wb.screenshot('e2e-checkpoints');
    });
  },
);

test('A session written by another process appears without a refresh', { timeout: 60_000 }, async () => {
  await withFailureScreenshot(wb, 'e2e-live-update', async () => {
    const core = path.join(REPO_ROOT, 'dist', 'core.js');
    execFileSync(process.execPath, [
      '-e',
      `
      const { SessionManager } = require(${JSON.stringify(core)});
      (async () => {
        const m = new SessionManager({ home: ${JSON.stringify(wb.home)} });
        const s = await m.createSession({ type: 'Workflow', workflowName: 'written-by-the-cli', totalSteps: 5 });
        await m.startSession(s.id);
        await m.updateSession(s.id, { workflow_data: { current_step: 2, completed_steps: [0, 1] } });
      })().catch((e) => { console.error(e); process.exit(1); });
    `,
    ]);
    const texts = await waitForSessionRows(wb.page, [/written-by-the-cli Running · step 3\/5/], { timeout: 15_000 });
    assert.ok(texts.length >= 8);
    await wb.screenshot('e2e-live-update');
  });
});
