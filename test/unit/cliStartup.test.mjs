// The CLI starts fast because its entry (dist/cli.js) answers help and --version without loading the session core:
// it holds the command table, the parser and the help, and loads dist/cli-run.js only for a command that works.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST_CLI } from './helpers/env.mjs';

const DIST = path.dirname(DIST_CLI);

/** The core files the entry may hold: the light facade (src/core/basics.ts) and what it re-exports. */
const ENTRY_CORE = new Set([
  'src/core/errors.ts',
  'src/core/expressions/syntaxError.ts',
  'src/core/expressions/fieldPath.ts',
  'src/core/expressions/filter.ts',
  'src/core/model/sessionStatus.ts',
  'src/core/nextStep.ts',
  'src/core/sessions/outcome.ts',
  'src/core/storage/ids.ts',
]);

/** The source files esbuild bundled into a dev build, from its `// path` comments. */
function bundledSources(file) {
  return [...fs.readFileSync(file, 'utf8').matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1]);
}

/** Runs `node dist/cli.js …` and returns the bundle files of dist/ it loaded. */
function loadedBundles(t, argv) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-startup-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const hook = path.join(dir, 'hook.cjs');
  fs.writeFileSync(
    hook,
    "process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_FILE, Object.keys(require.cache).join('\\n')));\n",
  );
  const loadedFile = path.join(dir, 'loaded.txt');
  const r = spawnSync(process.execPath, ['--require', hook, DIST_CLI, '--home', dir, ...argv], {
    env: { ...process.env, LOADED_FILE: loadedFile },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return fs
    .readFileSync(loadedFile, 'utf8')
    .split('\n')
    .filter((f) => path.dirname(f) === DIST)
    .map((f) => path.basename(f))
    .sort();
}

describe('CLI start-up', () => {
  it('the entry bundles no dependency and no part of the core beyond its light facade', () => {
    const sources = bundledSources(DIST_CLI);
    assert.ok(
      sources.some((s) => s.startsWith('src/cli/help.ts')),
      'the help is in the entry',
    );
    const outside = sources.filter((s) => !s.startsWith('src/cli/') && !ENTRY_CORE.has(s));
    assert.deepEqual(outside, [], 'bundled into dist/cli.js besides the CLI and src/core/basics.ts');
    assert.ok(!sources.some((s) => s.startsWith('src/cli/commands/')), 'no command body in the entry');
  });

  it('help and --version load the entry alone; a command loads dist/cli-run.js', (t) => {
    assert.deepEqual(loadedBundles(t, ['help']), ['cli.js']);
    assert.deepEqual(loadedBundles(t, ['--version']), ['cli.js']);
    assert.deepEqual(loadedBundles(t, ['sessions', 'list', '--help']), ['cli.js']);
    assert.deepEqual(loadedBundles(t, ['sessions', 'list']), ['cli-run.js', 'cli.js']);
  });
});
