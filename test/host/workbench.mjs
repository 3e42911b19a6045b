// E2E helpers: install the built extension into a fresh code-server, start it against a seeded Prodigy home,
// open the workbench in headless Chromium, and drive the UI.
//
//   const wb = await openWorkbench();           // seeded home, extension installed, workbench loaded
//   await showProdigyView(wb.page);
//   await wb.screenshot('e2e-sessions-view');   // -> test-results/e2e-sessions-view.png
//   await wb.close();
import assert from 'node:assert/strict';
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
  if (!fs.existsSync(main)) throw new Error(`${path.relative(REPO_ROOT, main)} is missing; run \`npm run build\` first.`);
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
  const item = page.locator('.part.activitybar .action-item a[aria-label*="Prodigy"], .part.activitybar .action-label[aria-label*="Prodigy"]').first();
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
        message: `Sessions view is missing rows for ${missing.map(String).join(', ')}.\n` +
          `Rows shown (${texts.length}):\n${texts.map((t) => `  - ${t}`).join('\n') || '  (none)'}`,
      });
    }
    await page.waitForTimeout(250);
  }
}

/** Visible text of each Sessions row ("label description"), falling back to its aria-label. */
export async function rowTexts(page) {
  return sessionRows(page).evaluateAll((rows) => rows.map((r) => {
    const label = r.querySelector('.label-name')?.textContent?.trim() ?? '';
    const desc = r.querySelector('.label-description')?.textContent?.trim() ?? '';
    const text = [label, desc].filter(Boolean).join(' ') || r.textContent?.trim() || '';
    const aria = (r.getAttribute('aria-label') ?? '').trim();
    return aria && !text.includes(aria) ? `${text} [aria: ${aria}]` : text;
  }));
}
