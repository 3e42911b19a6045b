// Shared locations and constants for the test hosts (code-server + Debian Chromium).
// See scripts/setup-test-host.mjs for how they get installed.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CODE_SERVER_VERSION = '4.100.3';

/** `${XDG_CACHE_HOME:-$HOME/.cache}/prodigy-vscode-test` (outside the repo; survives between runs). */
export const CACHE_ROOT = path.join(
  process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
  'prodigy-vscode-test',
);

export const CODE_SERVER_DIR = path.join(CACHE_ROOT, `code-server-${CODE_SERVER_VERSION}`);
export const CODE_SERVER_PKG = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_PKG, 'out', 'node', 'entry.js');
/** Written last by the setup script; its absence means "not (completely) installed". */
export const CODE_SERVER_MARKER = path.join(CODE_SERVER_DIR, '.prodigy-install-complete');

/** Files that must exist after a good install (native module + ripgrep binary). */
export const CODE_SERVER_REQUIRED_FILES = [
  CODE_SERVER_ENTRY,
  path.join(CODE_SERVER_PKG, 'lib/vscode/node_modules/node-pty/build/Release/pty.node'),
  path.join(CODE_SERVER_PKG, 'lib/vscode/node_modules/@vscode/ripgrep/bin/rg'),
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Exactly the flags from shared/docs/vscode-test-host.md. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export const EXTENSION_ID = 'prodigy-vscode.prodigy-vscode';
export const TEST_RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'prodigy');
