// Which of dist/'s bundles a CLI run loaded: what keeps the entry light is checked by running it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST_CLI } from './env.mjs';

const DIST = path.dirname(DIST_CLI);

/**
 * Runs `node dist/cli.js --home HOME …argv` (HOME: a new empty folder unless given) and returns the bundle files of
 * dist/ it loaded, sorted, with its stdout.
 */
export function runLoading(t, argv, home) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-startup-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const hook = path.join(dir, 'hook.cjs');
  fs.writeFileSync(
    hook,
    "process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_FILE, Object.keys(require.cache).join('\\n')));\n",
  );
  const loadedFile = path.join(dir, 'loaded.txt');
  const r = spawnSync(process.execPath, ['--require', hook, DIST_CLI, '--home', home ?? dir, ...argv], {
    env: { ...process.env, LOADED_FILE: loadedFile },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  const loaded = fs
    .readFileSync(loadedFile, 'utf8')
    .split('\n')
    .filter((f) => path.dirname(f) === DIST)
    .map((f) => path.basename(f))
    .sort();
  return { loaded, stdout: r.stdout };
}

/** The bundle files of dist/ that `node dist/cli.js --home <new folder> …argv` loaded, sorted. */
export function loadedBundles(t, argv) {
  return runLoading(t, argv).loaded;
}
