// E2E helpers: install the built extension into a fresh code-server, start it against a seeded Prodigy home,
// open the workbench in headless Chromium, and drive the UI.
//
//   const wb = await openWorkbench();           // seeded home, extension installed, workbench loaded
//   await showProdigyView(wb.page);
//   await wb.screenshot('e2e-sessions-view');   // -> test-results/e2e-sessions-view.png
//   await wb.close();
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EXTENSION_ID, REPO_ROOT, TEST_RESULTS_DIR } from './config.mjs';
import {
  assertHostInstalled,
  cleanup,
  launchBrowser,
  logger,
  makeTempDir,
  startCodeServer,
  verbose,
} from './codeServer.mjs';
import { seedHome } from './seedHome.mjs';

const log = logger('e2e');

/** User settings for e2e workbenches: no welcome page or tips, so screenshots show the views. */
export const E2E_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
};

/** Copy the built extension (package.json, dist without tests, media, docs) as an installed extension. */
export function installExtension(extensionsDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const main = path.join(REPO_ROOT, manifest.main ?? 'dist/extension.js');
  if (!fs.existsSync(main))
    throw new Error(`${path.relative(REPO_ROOT, main)} is missing; run \`npm run build\` first.`);
  const id = `${manifest.publisher}.${manifest.name}`.toLowerCase();
  assert.equal(id, EXTENSION_ID);
  const target = path.join(extensionsDir, `${id}-${manifest.version}`);
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(target, 'package.json'));
  for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE', 'LICENSE.md', 'package.nls.json']) {
    if (fs.existsSync(path.join(REPO_ROOT, f))) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(target, f));
  }
  for (const dir of ['dist', 'media']) {
    if (!fs.existsSync(path.join(REPO_ROOT, dir))) continue;
    fs.cpSync(path.join(REPO_ROOT, dir), path.join(target, dir), {
      recursive: true,
      filter: (src) => path.relative(path.join(REPO_ROOT, 'dist'), src) !== 'test',
    });
  }
  return target;
}

/**
 * Start code-server with the extension installed and PRODIGY_HOME seeded, and open the workbench.
 * @param {object} [opts]
 * @param {string} [opts.home]  use this Prodigy home instead of a freshly seeded one
 * @param {(home: string) => void} [opts.prepareHome]  extra seeding (called after seedHome)
 * @param {Record<string,string>} [opts.env]  extra environment for the server / extension host
 * @param {boolean} [opts.workspaceTrust=false]
 * @param {Record<string, unknown>} [opts.settings]  user settings (merged over E2E_SETTINGS)
 * @param {(workspace: string) => void} [opts.prepareWorkspace]  fill the (empty) workspace folder before the
 *   server starts, e.g. with `initGitRepo` (runs need a git repository with a commit)
 */
export async function openWorkbench(opts = {}) {
  assertHostInstalled();
  let home = opts.home;
  if (!home) {
    home = makeTempDir('prodigy-home-');
    seedHome(home);
  }
  opts.prepareHome?.(home);
  const workspace = makeTempDir('prodigy-ws-');
  opts.prepareWorkspace?.(workspace);
  const extensionsDir = makeTempDir('prodigy-exts-');
  installExtension(extensionsDir);

  const server = await startCodeServer({
    folder: workspace,
    extensionsDir,
    workspaceTrust: opts.workspaceTrust ?? false,
    settings: { ...E2E_SETTINGS, ...opts.settings },
    env: { PRODIGY_HOME: home, PRODIGY_TEST_HOME: home, ...opts.env },
  });
  const { page } = await launchBrowser({ viewport: { width: 1400, height: 900 } });
  const browserLines = [];
  page.on('console', (msg) => {
    browserLines.push(`${msg.type()}: ${msg.text()}`);
    if (verbose) console.log(`[browser] ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => browserLines.push(`pageerror: ${err.message}`));

  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  log(`opening ${url}`);
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  // Let the first layout settle (activity bar and status bar are rendered with the workbench).
  await page.waitForSelector('.part.activitybar, .part.statusbar', { timeout: 30_000 });
  log(`workbench ready in ${Date.now() - t0} ms`);

  return {
    page,
    server,
    home,
    workspace,
    extensionsDir,
    browserLines,
    /** Save test-results/<name>.png and return its path. */
    async screenshot(name) {
      fs.mkdirSync(TEST_RESULTS_DIR, { recursive: true });
      const file = path.join(TEST_RESULTS_DIR, `${name}.png`);
      await page.screenshot({ path: file });
      log(`screenshot: ${path.relative(REPO_ROOT, file)}`);
      return file;
    },
    /** Save the code-server output and browser console next to the screenshots. */
    saveLogs(name) {
      fs.mkdirSync(TEST_RESULTS_DIR, { recursive: true });
      fs.writeFileSync(path.join(TEST_RESULTS_DIR, `${name}.code-server.log`), server.output());
      fs.writeFileSync(path.join(TEST_RESULTS_DIR, `${name}.browser-console.log`), browserLines.join('\n'));
    },
    close: cleanup,
  };
}

/**
 * Run `fn`; if it throws, save `test-results/<name>-failure.png` plus logs, then rethrow.
 * @template T @param {{ screenshot: (n: string) => Promise<string>, saveLogs: (n: string) => void }} wb
 * @param {string} name @param {() => Promise<T>} fn @returns {Promise<T>}
 */
export async function withFailureScreenshot(wb, name, fn) {
  try {
    return await fn();
  } catch (err) {
    try {
      const file = await wb.screenshot(`${name}-failure`);
      wb.saveLogs(`${name}-failure`);
      err.message += `\n(screenshot: ${path.relative(REPO_ROOT, file)})`;
    } catch (shotErr) {
      console.error(`[e2e] could not save failure screenshot: ${shotErr.message}`);
    }
    throw err;
  }
}

/** F1, type `>title`, Enter. */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  // Wait for the palette to list a match before accepting it.
  await page.locator('.quick-input-widget .monaco-list-row').first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** Open the Prodigy view container: its activity-bar item, or `View: Show Prodigy` as a fallback. */
export async function showProdigyView(page) {
  const item = page
    .locator(
      '.part.activitybar .action-item a[aria-label*="Prodigy"], .part.activitybar .action-label[aria-label*="Prodigy"]',
    )
    .first();
  const sidebarTitle = page.locator('.part.sidebar .composite.title', { hasText: /prodigy/i });
  try {
    await item.waitFor({ state: 'visible', timeout: 20_000 });
    if (!(await sidebarTitle.isVisible().catch(() => false))) await item.click();
  } catch {
    log('no Prodigy activity-bar item found; using the command palette');
    await runCommand(page, 'View: Show Prodigy');
  }
  await sidebarTitle.first().waitFor({ timeout: 20_000 });
  // Move the pointer away so no hover tooltip covers the view in screenshots.
  await page.mouse.move(900, 600);
  // With a single view in the container its header is hidden (the title reads "PRODIGY: SESSIONS"), so
  // wait for the pane to be attached, not for a visible header.
  await sessionsPane(page).waitFor({ state: 'attached', timeout: 20_000 });
}

/** Drag the side bar's sash so the side bar is about `width` px wide (labels are readable in screenshots). */
export async function setSidebarWidth(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const sash = page.locator('.monaco-sash.vertical').filter({ visible: true });
  const edge = box.x + box.width;
  // The side bar's sash is the vertical sash nearest to its right edge.
  let best = null;
  for (const handle of await sash.all()) {
    const b = await handle.boundingBox();
    if (b && (!best || Math.abs(b.x + b.width / 2 - edge) < Math.abs(best.x + best.width / 2 - edge))) best = b;
  }
  if (!best || Math.abs(best.x + best.width / 2 - edge) > 10) return;
  const y = best.y + best.height / 2;
  await page.mouse.move(best.x + best.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 10 });
  await page.mouse.up();
  await page.mouse.move(900, 600);
}

/** The Sessions view pane (prodigy.sessions) in the side bar. */
export function sessionsPane(page) {
  return page.locator('.part.sidebar .pane', { has: page.locator('.pane-header[aria-label^="Sessions"]') }).first();
}

/** Locator for the tree rows of the Sessions view. */
export function sessionRows(page) {
  return sessionsPane(page).locator('.pane-body .monaco-list-row');
}

/**
 * Wait until every expected text appears in some row of the Sessions view; return the rows' texts.
 * @param {import('playwright-core').Page} page @param {(string|RegExp)[]} expected
 */
export async function waitForSessionRows(page, expected, { timeout = 30_000 } = {}) {
  const deadline = Date.now() + timeout;
  let texts = [];
  for (;;) {
    texts = await rowTexts(page);
    const missing = expected.filter((e) => !texts.some((t) => (e instanceof RegExp ? e.test(t) : t.includes(e))));
    if (missing.length === 0) return texts;
    if (Date.now() > deadline) {
      throw new assert.AssertionError({
        message:
          `Sessions view is missing rows for ${missing.map(String).join(', ')}.\n` +
          `Rows shown (${texts.length}):\n${texts.map((t) => `  - ${t}`).join('\n') || '  (none)'}`,
      });
    }
    await page.waitForTimeout(250);
  }
}

/** Visible text of each Sessions row ("label description"), falling back to its aria-label. */
export async function rowTexts(page) {
  return sessionRows(page).evaluateAll((rows) =>
    rows.map((r) => {
      const label = r.querySelector('.label-name')?.textContent?.trim() ?? '';
      const desc = r.querySelector('.label-description')?.textContent?.trim() ?? '';
      const text = [label, desc].filter(Boolean).join(' ') || r.textContent?.trim() || '';
      const aria = (r.getAttribute('aria-label') ?? '').trim();
      return aria && !text.includes(aria) ? `${text} [aria: ${aria}]` : text;
    }),
  );
}

// ------------------------------------------------------------------------------------------------ runs (workspace, UI)

/**
 * Make `dir` a git repository (branch main, repo-local identity) holding `files` ({ relative path: text }) in one
 * commit. Runs need it: a session's worktree is made from the workspace's HEAD.
 * @param {string} dir @param {Record<string, string>} files
 */
export function initGitRepo(dir, files) {
  const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'E2E Test');
  git('config', 'user.email', 'e2e@example.com');
  git('config', 'commit.gpgsign', 'false');
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  git('add', '-A');
  git('commit', '-qm', 'Initial commit');
  return git;
}

/**
 * Poll `probe` until it returns a truthy value (returned); on timeout throw with `describe()`'s text.
 * @template T @param {() => Promise<T>|T} probe
 * @param {{ timeout?: number, interval?: number, message?: string, describe?: () => Promise<string>|string }} [opts]
 * @returns {Promise<T>}
 */
export async function pollUntil(probe, { timeout = 30_000, interval = 200, message = 'condition', describe } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      const seen = describe ? await describe() : '';
      throw new assert.AssertionError({
        message: `Timed out after ${timeout} ms waiting for ${message}.${seen ? `\n${seen}` : ''}`,
      });
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** The Sessions row whose text matches `text` (first match). */
export function sessionRow(page, text) {
  return sessionRows(page).filter({ hasText: text }).first();
}

/**
 * Wait until some Sessions row's text ("label description") matches `re`; return that text.
 * @param {import('playwright-core').Page} page @param {RegExp} re
 */
export async function waitForRowText(page, re, { timeout = 30_000 } = {}) {
  return pollUntil(async () => (await rowTexts(page)).find((t) => re.test(t)), {
    timeout,
    message: `a Sessions row matching ${re}`,
    describe: async () => `Rows shown:\n${(await rowTexts(page)).map((t) => `  - ${t}`).join('\n') || '  (none)'}`,
  });
}

/**
 * Click an inline action (the icons shown on hover) of a tree row, by its title ("Stop Session").
 * @param {import('playwright-core').Page} page @param {import('playwright-core').Locator} row @param {string} title
 */
export async function clickRowAction(page, row, title) {
  await row.hover();
  const action = row.locator(`.actions .action-label[aria-label^="${title}"]`).first();
  await action.waitFor({ state: 'visible', timeout: 10_000 });
  await action.click();
  await page.mouse.move(900, 600);
}

/** Titles of a row's inline actions (hovering it). */
export async function rowActionTitles(page, row) {
  await row.hover();
  const titles = await row
    .locator('.actions .action-label')
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  await page.mouse.move(900, 600);
  return titles;
}

/**
 * Right-click `target` and wait for its context menu; returns the menu's item labels and a `click(name)`.
 * @param {import('playwright-core').Page} page @param {import('playwright-core').Locator} target
 */
export async function openContextMenu(page, target) {
  await target.click({ button: 'right' });
  const menu = page.locator('.context-view .monaco-menu').first();
  await menu.waitFor({ state: 'visible', timeout: 10_000 });
  const items = menu.locator('.action-item:not(.disabled) .action-label');
  await items.first().waitFor({ timeout: 5_000 });
  const labels = (await items.allTextContents()).map((t) => t.trim()).filter(Boolean);
  return {
    menu,
    labels,
    /** Click the item whose label matches `name` (string: exact label, RegExp: test). */
    async click(name) {
      const item = menu.locator('.action-item:not(.disabled) .action-label').filter({ hasText: name }).first();
      await item.waitFor({ state: 'visible', timeout: 5_000 });
      await item.click();
    },
  };
}

/**
 * Wait for a quick pick item whose text matches `text`, then click it. Returns the item's full text.
 * @param {import('playwright-core').Page} page @param {string|RegExp} text
 */
export async function pickQuickItem(page, text, { timeout = 15_000 } = {}) {
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout });
  const full = ((await row.innerText()) ?? '').replace(/\s+/g, ' ').trim();
  await row.click();
  return full;
}

/** Items of the status bar: text (codicons dropped), codicon names and aria-label. */
export async function statusBarItems(page) {
  return page.locator('.part.statusbar .statusbar-item').evaluateAll((els) =>
    els.map((e) => ({
      id: e.id,
      text: (e.textContent ?? '').replace(/\s+/g, ' ').trim(),
      // `$(sync~spin)` renders as <span class="codicon codicon-sync codicon-modifier-spin">: reported as "sync~spin".
      icons: [...e.querySelectorAll('.codicon')].map((i) => {
        const names = [...i.classList].filter((c) => c.startsWith('codicon-')).map((c) => c.slice('codicon-'.length));
        const spin = names.includes('modifier-spin');
        return (names.find((n) => !n.startsWith('modifier-')) ?? '') + (spin ? '~spin' : '');
      }),
      aria: e.getAttribute('aria-label') ?? e.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '',
    })),
  );
}

/**
 * Wait until a status bar item's text matches `re`; return that item ({ text, icons, aria }).
 * With `absent: true`, wait until no item matches (returns true).
 */
export async function waitForStatusBarItem(page, re, { timeout = 30_000, absent = false } = {}) {
  return pollUntil(
    async () => {
      const items = await statusBarItems(page);
      const hit = items.find((i) => re.test(i.text));
      return absent ? !hit : hit;
    },
    {
      timeout,
      message: absent ? `no status bar item matching ${re}` : `a status bar item matching ${re}`,
      describe: async () =>
        `Status bar items:\n${(await statusBarItems(page)).map((i) => `  - ${i.text} [${i.icons.join(',')}]`).join('\n')}`,
    },
  );
}

/** Texts of the visible notification toasts and of the notification center (if open). */
export async function notificationTexts(page) {
  return page
    .locator(
      '.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message',
    )
    .evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

/**
 * Wait for a notification toast whose message matches `re`; returns the toast's locator.
 * @param {import('playwright-core').Page} page @param {RegExp} re
 */
export async function waitForNotification(page, re, { timeout = 30_000 } = {}) {
  await pollUntil(async () => (await notificationTexts(page)).some((t) => re.test(t)), {
    timeout,
    message: `a notification matching ${re}`,
    describe: async () =>
      `Notifications shown:\n${(await notificationTexts(page)).map((t) => `  - ${t}`).join('\n') || '  (none)'}`,
  });
  return page
    .locator('.notifications-toasts .notification-toast, .notifications-center .notification-list-item')
    .filter({ has: page.locator('.notification-list-item-message', { hasText: re }) })
    .first();
}

/** Close every notification toast (Escape in each would also work; the command is simpler). */
export async function clearNotifications(page) {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await pollUntil(async () => (await notificationTexts(page)).length === 0, {
    timeout: 5_000,
    message: 'notifications to clear',
  }).catch(() => {});
}

/** The modal dialog (`showWarningMessage(..., { modal: true })`): waits for it; returns its texts and buttons. */
export async function waitForDialog(page, { timeout = 15_000 } = {}) {
  const box = page.locator('.monaco-dialog-box').first();
  await box.waitFor({ state: 'visible', timeout });
  const message = ((await box.locator('.dialog-message-text').first().textContent()) ?? '').trim();
  const detail = (
    (await box
      .locator('.dialog-message-detail')
      .first()
      .textContent()
      .catch(() => '')) ?? ''
  ).trim();
  const buttons = (await box.locator('.dialog-buttons .monaco-button').allTextContents())
    .map((t) => t.trim())
    .filter(Boolean);
  return {
    box,
    message,
    detail,
    buttons,
    async click(label) {
      await box.locator('.dialog-buttons .monaco-button').filter({ hasText: label }).first().click();
      await box.waitFor({ state: 'hidden', timeout: 10_000 });
    },
  };
}

/** Titles of the editor tabs (all groups), the active one marked by `active: true`. */
export async function editorTabs(page) {
  return page.locator('.part.editor .tabs-container .tab').evaluateAll((els) =>
    els.map((e) => ({
      title: (e.querySelector('.label-name')?.textContent ?? e.getAttribute('aria-label') ?? '').trim(),
      description: (e.querySelector('.label-description')?.textContent ?? '').trim(),
      aria: e.getAttribute('aria-label') ?? '',
      active: e.classList.contains('active'),
    })),
  );
}

/** Wait until an editor tab's title matches `re`; return that tab ({ title, description, aria, active }). */
export async function waitForEditorTab(page, re, { timeout = 20_000 } = {}) {
  return pollUntil(async () => (await editorTabs(page)).find((t) => re.test(t.title) || re.test(t.aria)), {
    timeout,
    message: `an editor tab matching ${re}`,
    describe: async () =>
      `Editor tabs:\n${(await editorTabs(page)).map((t) => `  - ${t.title}${t.active ? ' (active)' : ''} [aria: ${t.aria}]`).join('\n') || '  (none)'}`,
  });
}

/** The text lines monaco renders in the active editor group's text editor (only the lines in view). */
export async function activeEditorLines(page) {
  return page
    .locator('.part.editor .editor-group-container.active .monaco-editor .view-lines')
    .first()
    .evaluate((el) =>
      [...el.querySelectorAll('.view-line')]
        .map((l) => ({ top: parseFloat(l.style.top) || 0, text: (l.textContent ?? '').replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text),
    );
}

/**
 * Focus the active text editor, jump to its end (Ctrl+End) and return the highest line number shown, i.e. the
 * document's line count. Moves the cursor. The editor's input element is focused directly, not clicked: a click
 * can land on whatever covers the editor for a moment (a toast sliding in, a closing picker).
 */
export async function activeEditorLineCount(page) {
  const editor = page.locator('.part.editor .editor-group-container.active .monaco-editor').first();
  await editor.locator('.native-edit-context, textarea.inputarea').first().focus();
  await page.keyboard.press('Control+End');
  await page.waitForTimeout(100); // one frame for monaco to render the scrolled lines
  return editor
    .locator('.margin-view-overlays .line-numbers')
    .evaluateAll((els) => Math.max(0, ...els.map((e) => Number((e.textContent ?? '').trim()) || 0)));
}
