// E2E: the Sessions view in a real VS Code workbench (code-server + headless Chromium) lists the sessions
// of a seeded Prodigy home. Run through test/host/run-e2e.mjs (npm run test:e2e).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BROKEN_FILE,
  MAPREDUCE_SESSION_ID,
  WORKFLOW_NAME,
} from '../host/seedHome.mjs';
import {
  openWorkbench,
  rowTexts,
  runCommand,
  setSidebarWidth,
  showProdigyView,
  waitForSessionRows,
  withFailureScreenshot,
} from '../host/workbench.mjs';

let wb;

before(async () => {
  wb = await openWorkbench();
}, { timeout: 120_000 });

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
    assert.ok(texts.filter((t) => t.includes(WORKFLOW_NAME)).length >= 2,
      `expected 2 rows named ${WORKFLOW_NAME}, got:\n${texts.join('\n')}`);
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
