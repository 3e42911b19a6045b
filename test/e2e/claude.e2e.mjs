// E2E: a `claude:` step run by the REAL Claude Code CLI (the pinned devDependency), offline against a scripted
// local Anthropic API (test/support/anthropicApi.mjs), seen through the real UI (code-server + headless Chromium):
//   1. Run Workflow… from the palette; while Claude's Bash tool (`sh build.sh && echo hi`, which waits until the
//      test opens its gate) runs, the session row and the status bar name that tool, and the Prodigy output shows
//      Claude's activity as readable lines;
//   2. once the run completes, Show Claude Transcript from the row's context menu opens the transcript: the Bash
//      call and its output, the Write of notes.md (a link), Claude's answer, the usage line; no JSON;
//   3. the row's tooltip shows what the session's Claude calls cost (calls, cost, tokens, tool uses).
// Screenshots: test-results/e2e-claude-01-running.png, -02-transcript.png, -03-tooltip.png.
// Run through test/host/run-e2e.mjs (npm run test:e2e).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir } from '../host/codeServer.mjs';
import {
  activeEditorLines,
  initGitRepo,
  openContextMenu,
  openWorkbench,
  pickQuickItem,
  pollUntil,
  rowTexts,
  runCommand,
  sessionRow,
  setSidebarWidth,
  showProdigyView,
  statusBarItems,
  waitForEditorTab,
  waitForRowText,
  waitForStatusBarItem,
  withFailureScreenshot,
} from '../host/workbench.mjs';
import { startScriptedApi } from '../support/anthropicApi.mjs';
import { CLAUDE_BIN, claudeEnv } from '../unit/helpers/realClaude.mjs';

const WORKFLOW = 'e2e-claude';
const WORKFLOW_FILE = 'claude.workflow.yml';
const STEP_NAME = 'Make the greeting friendlier';
const BASH = 'sh build.sh && echo hi';
/** build.sh waits for this file: the tool runs until the test has seen it running, however slow the host. */
let gate;

let wb;
let api;
let env;
let sessionId;

/** The folder Claude runs in, as its system prompt names it (the session's worktree). */
function workingDirectory(body) {
  const m = /Primary working directory: ([^\s\\]+)/.exec(JSON.stringify(body));
  assert.ok(m, 'the request names no working directory');
  return m[1];
}

/** What the scripted API answers, one turn per request of Claude's agent loop. */
const SCRIPT = [
  {
    text: 'Let me run the build first.',
    tools: [{ name: 'Bash', input: { command: BASH, description: 'Wait for the build, then say hi' } }],
    usage: { input_tokens: 12_000, output_tokens: 400, cache_read_input_tokens: 30_000 },
  },
  (body) => ({
    tools: [
      {
        name: 'Write',
        input: { file_path: path.join(workingDirectory(body), 'notes.md'), content: 'Hello, friend!\n' },
      },
    ],
    usage: { input_tokens: 12_500, output_tokens: 300, cache_read_input_tokens: 30_000 },
  }),
  {
    text: 'Done: the greeting is friendlier, and notes.md says so.',
    usage: { input_tokens: 13_000, output_tokens: 120, cache_read_input_tokens: 30_000 },
  },
];

before(
  async () => {
    gate = path.join(makeTempDir('prodigy-claude-gate-'), 'open');
    api = await startScriptedApi(SCRIPT);
    env = claudeEnv(api.url);
    // `prodigy.claude.command`: the real Claude, with the offline environment (its own HOME, the scripted API).
    const bin = makeTempDir('prodigy-claude-bin-');
    const wrapper = path.join(bin, 'claude');
    const exports = Object.entries(env).map(([k, v]) => `export ${k}='${String(v).replace(/'/g, `'\\''`)}'`);
    fs.writeFileSync(wrapper, `#!/bin/sh\n${exports.join('\n')}\nexec '${CLAUDE_BIN}' "$@"\n`, { mode: 0o755 });
    wb = await openWorkbench({
      home: makeTempDir('prodigy-home-'),
      prepareWorkspace: (dir) =>
        initGitRepo(dir, {
          'README.md': '# e2e workspace\n',
          'greeting.txt': 'hi\n',
          'build.sh': `while [ ! -e '${gate}' ]; do sleep 0.2; done\n`,
          [`workflows/${WORKFLOW_FILE}`]:
            `name: ${WORKFLOW}\ncommands:\n  - name: Prepare\n    shell: "echo preparing"\n` +
            `  - name: ${STEP_NAME}\n    claude: "Make greeting.txt friendlier and explain it in notes.md"\n` +
            `  - name: Check\n    shell: "test -f notes.md && echo checked"\n`,
        }),
      settings: { 'prodigy.merge': 'never', 'prodigy.claude.command': wrapper },
      // Where Claude Code keeps its own transcripts: the extension links to them from ours.
      env: { CLAUDE_CONFIG_DIR: env.CLAUDE_CONFIG_DIR },
    });
  },
  { timeout: 120_000 },
);

after(async () => {
  if (gate) fs.writeFileSync(gate, ''); // a test that failed before opening it leaves no tool waiting
  await wb?.close();
  await api?.close();
  if (env?.HOME) fs.rmSync(env.HOME, { recursive: true, force: true });
});

/** The text lines the Output panel shows now. */
async function outputLines(page) {
  return page
    .locator('.part.panel .monaco-editor .view-lines')
    .first()
    .evaluate((el) =>
      [...el.querySelectorAll('.view-line')]
        .map((l) => ({ top: parseFloat(l.style.top) || 0, text: (l.textContent ?? '').replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text),
    )
    .catch(() => []);
}

/** The text of the hover shown now (a tree row's tooltip), or ''. */
async function hoverText(page) {
  return page
    .locator('.workbench-hover, .monaco-hover')
    .filter({ visible: true })
    .first()
    .innerText()
    .then((t) => t.replace(/\u00a0/g, ' '))
    .catch(() => '');
}

function escapeRe(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Hides the notification toasts (they stay in the notification center). */
async function hideToasts(page) {
  const toasts = page.locator('.notifications-toasts .notification-toast').filter({ visible: true });
  for (let i = 0; i < 3 && (await toasts.count()) > 0; i++) {
    await page.keyboard.press('Escape');
    await page.waitForTimeout(150);
  }
  const left = await toasts.count();
  if (left > 0) console.log(`${left} notification toast(s) still shown`);
}

/** Clicks a context menu's item; when a busy workbench swallowed the click, Enter runs the item it focused. */
async function clickMenuItem(page, menu, name) {
  await menu.click(name);
  if (await menu.menu.isVisible().catch(() => false)) {
    await menu.menu
      .locator('.action-item.focused .action-label')
      .filter({ hasText: name })
      .first()
      .waitFor({ timeout: 2_000 });
    await page.keyboard.press('Enter');
  }
  await menu.menu.waitFor({ state: 'hidden', timeout: 5_000 });
}

function record(id) {
  return JSON.parse(fs.readFileSync(path.join(wb.home, 'sessions', `${id}.json`), 'utf8'));
}

test(
  "1. While Claude's Bash tool runs, the row, the status bar and the Output show it",
  { timeout: 120_000 },
  async () => {
    await withFailureScreenshot(wb, 'e2e-claude-01', async () => {
      const { page } = wb;
      await showProdigyView(page);
      await setSidebarWidth(page, 520);
      // The Prodigy output, open before the run starts.
      await runCommand(page, 'Prodigy: Show Output Channel');
      await runCommand(page, 'Prodigy: Run Workflow…');
      await pickQuickItem(page, WORKFLOW_FILE);

      const row = await waitForRowText(page, new RegExp(`^${WORKFLOW} Running · step 2/3 · Bash: ${BASH} · `), {
        timeout: 45_000,
      });
      console.log(`row: ${row}`);
      sessionId = fs.readdirSync(path.join(wb.home, 'sessions'))[0].replace(/\.json$/, '');
      const item = await waitForStatusBarItem(page, new RegExp(`${WORKFLOW} · step 2/3 · Bash: ${BASH}`), {
        timeout: 5_000,
      });
      assert.deepEqual(item.icons, ['sync~spin'], JSON.stringify(item));
      console.log(`status bar: ${item.text}`);
      // The progress notification would cover the Output's last lines in the picture: hide it (Escape).
      await hideToasts(page);
      // The Output wraps long lines: its text is read with the wrapped pieces put back together.
      const output = await pollUntil(
        async () => {
          const text = (await outputLines(page)).join('');
          return text.includes(`🔧 Bash: ${BASH}`) ? text : undefined;
        },
        {
          timeout: 5_000,
          message: 'the Bash line in the Output',
          describe: async () => (await outputLines(page)).join('\n'),
        },
      );
      console.log(`output:\n${(await outputLines(page)).map((l) => `  | ${l}`).join('\n')}`);
      assert.ok(output.includes(`[${sessionId}]   Let me run the build first.`), output);
      assert.ok(!output.includes('{"type"'), 'raw stream JSON in the Output');
      // Still running the tool when the picture is taken.
      assert.ok((await rowTexts(page)).some((t) => t.includes(`Bash: ${BASH}`)));
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-claude-01-running');
      fs.writeFileSync(gate, '');

      // Then the call ends, the last step runs, the run completes: no tool on the row, its cost instead.
      const done = await waitForRowText(
        page,
        new RegExp(`^${WORKFLOW} Completed · (?:.+ · )?step 3/3 · \\$\\d+\\.\\d+ · `),
        {
          timeout: 60_000,
        },
      );
      console.log(`row: ${done}`);
      assert.doesNotMatch(done, /Bash/);
      const rec = record(sessionId);
      assert.equal(rec.status, 'Completed', rec.error ?? '');
      assert.equal(rec.metadata.claude.runs, 1);
      assert.ok(rec.metadata.claude.total_cost_usd > 0, JSON.stringify(rec.metadata.claude));
      assert.equal(api.remaining(), 0, 'Claude did not take every scripted turn');
      assert.ok(!(await statusBarItems(page)).some((i) => i.text.includes('Bash')));
    });
  },
);

test(
  "2. Show Claude Transcript from the row's context menu opens a readable transcript",
  { timeout: 60_000 },
  async () => {
    assert.ok(sessionId, 'test 1 ran a session');
    await withFailureScreenshot(wb, 'e2e-claude-02', async () => {
      const { page } = wb;
      // Room for the transcript: close the panel.
      await runCommand(page, 'View: Close Panel');
      const menu = await openContextMenu(page, sessionRow(page, WORKFLOW));
      console.log(`session context menu: ${menu.labels.join(' | ')}`);
      assert.ok(menu.labels.includes('Show Claude Transcript'), menu.labels.join(', '));
      assert.ok(!menu.labels.includes('Continue in Claude Code'), 'offered for a completed session');
      await clickMenuItem(page, menu, 'Show Claude Transcript');

      const tab = await waitForEditorTab(page, new RegExp(`${WORKFLOW} · ${STEP_NAME} \\(Claude transcript\\)`));
      console.log(`tab: ${tab.title}`);
      const lines = await pollUntil(
        async () => {
          const l = await activeEditorLines(page);
          return l.some((x) => /^✓ \d+ turns · /.test(x)) ? l : undefined;
        },
        {
          timeout: 10_000,
          message: 'the transcript',
          describe: async () => (await activeEditorLines(page)).join('\n'),
        },
      );
      console.log(`transcript:\n${lines.map((l) => `  | ${l}`).join('\n')}`);
      const has = (re) =>
        assert.ok(
          lines.some((l) => re.test(l)),
          `no line matching ${re}:\n${lines.join('\n')}`,
        );
      has(/^Claude Code transcript$/);
      has(/^ {2}session {2}[0-9a-f-]{36} {2}\(claude --resume [0-9a-f-]{36}\)$/);
      has(/^Let me run the build first\.$/);
      has(/^🔧 Bash — Wait for the build, then say hi$/);
      has(new RegExp(`^ {4}\\$ ${escapeRe(BASH)}$`));
      // Claude Code runs a slow Bash call as a background task: its result then names the call it belongs to.
      has(new RegExp(`^ {2}└ (\\[Bash: ${escapeRe(BASH)}\\] )?hi$`));
      has(/^🔧 Write notes\.md$/);
      has(/^Done: the greeting is friendlier, and notes\.md says so\.$/);
      has(/^✓ 3 turns · \d+(\.\d)?k tokens · \$\d+\.\d+ · \d+/);
      has(/^Claude Code's own transcript: .*\.jsonl$/);
      assert.ok(!lines.some((l) => l.includes('{"type"')), 'raw stream JSON in the transcript');
      // The Write's file is a link (monaco underlines document links with .detected-link).
      const links = await page
        .locator('.part.editor .editor-group-container.active .monaco-editor .view-lines .detected-link')
        .allTextContents();
      console.log(`links: ${links.join(' | ')}`);
      assert.ok(links.includes('notes.md'), `no notes.md link: ${links.join(', ')}`);
      await page.mouse.move(900, 600);
      await wb.screenshot('e2e-claude-02-transcript');
    });
  },
);

test("3. The row's tooltip shows what the session's Claude calls cost", { timeout: 60_000 }, async () => {
  assert.ok(sessionId, 'test 1 ran a session');
  await withFailureScreenshot(wb, 'e2e-claude-03', async () => {
    const { page } = wb;
    const rec = record(sessionId);
    const cost = `$${rec.metadata.claude.total_cost_usd.toFixed(2)}`;
    const row = sessionRow(page, WORKFLOW);
    await page.keyboard.press('Escape');
    const text = await pollUntil(
      async () => {
        await page.mouse.move(900, 600);
        await row.locator('.label-name').first().hover();
        const t = await pollUntil(async () => (await hoverText(page)) || undefined, {
          timeout: 3_000,
          message: 'a tooltip',
        }).catch(() => '');
        return /Cost:/.test(t) ? t : undefined;
      },
      { timeout: 20_000, message: "the row's tooltip with its Claude cost", describe: () => hoverText(page) },
    );
    console.log(`tooltip:\n${text}`);
    assert.match(text, new RegExp(`Cost: \\${cost}`));
    assert.match(text, /Calls: 1/);
    assert.match(text, /Tokens: [\d.]+k in · [\d.]+k? out · [\d.]+k cache read · \d+ cache write/);
    assert.match(text, /Tool uses: 2/);
    assert.match(text, new RegExp(`Last call: ${STEP_NAME}`));
    await wb.screenshot('e2e-claude-03-tooltip');
  });
});
