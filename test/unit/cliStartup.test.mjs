// The CLI starts fast because its entry (dist/cli.js) answers help and --version without loading the session core:
// it holds the command table, the parser and the help, and loads dist/cli-run.js only for a command that works.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST_CLI } from './helpers/env.mjs';
import { loadedBundles } from './helpers/loadedBundles.mjs';

const DIST = path.dirname(DIST_CLI);
const ROOT = path.dirname(DIST);

/** Value imports (not `import type`, not `import()`) of a TypeScript file. */
const VALUE_IMPORT = /^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms;

/** Every file and package a file loads as it is evaluated, following value imports (import() loads later). */
function staticGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith('.ts')) return;
    for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(VALUE_IMPORT)) {
      if (!spec.startsWith('.')) {
        seen.add(spec);
        continue;
      }
      const base = path.resolve(path.dirname(file), spec);
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (target) visit(target);
    }
  };
  visit(path.join(ROOT, entry));
  return [...seen].map((f) => (path.isAbsolute(f) ? path.relative(ROOT, f) : f));
}

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
  // `sessions list --json` printed again from the kept listing while no session file changed (listingCache.ts).
  'src/core/sessions/renderedListing.ts',
  'src/core/storage/atomicFile.ts',
  'src/core/storage/fileIdentity.ts',
  'src/core/storage/paths.ts',
]);

/** The source files esbuild bundled into a dev build, from its `// path` comments. */
function bundledSources(file) {
  return [...fs.readFileSync(file, 'utf8').matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1]);
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

  it('the command runner and `sessions list` load no workflow loader, YAML, steps, runs or engine', () => {
    const heavy = /^src\/core\/(engine|workflow|steps|runs|mapreduce)\/|^yaml$|^src\/core\/index\.ts$/;
    for (const entry of [
      'src/cli/runCommandLine.ts',
      'src/cli/readCommandLine.ts',
      'src/cli/commands/sessionsList.ts',
    ]) {
      const graph = staticGraph(entry);
      assert.ok(graph.includes('src/core/sessions/sessionManager.ts') || entry.endsWith('runCommandLine.ts'), entry);
      assert.deepEqual(
        graph.filter((f) => heavy.test(f)),
        [],
        `${entry} loads these as it starts`,
      );
    }
    // The check sees through facades: the full index would bring them all.
    assert.ok(staticGraph('src/cli/commands/sessions.ts').some((f) => heavy.test(f)));
  });

  it('dist/cli-read.js, which runs sessions list, bundles no workflow loader, YAML, steps, runs or engine', () => {
    const sources = bundledSources(path.join(DIST, 'cli-read.js'));
    assert.ok(sources.includes('src/cli/commands/sessionsList.ts'), 'the sessions list body is in it');
    assert.ok(sources.includes('src/core/sessions/sessionManager.ts'));
    assert.deepEqual(
      sources.filter((s) => /^src\/core\/(engine|workflow|steps|runs|mapreduce)\/|^node_modules\/yaml\//.test(s)),
      [],
    );
    // The other bodies are left out: loading one there fails with a message naming the bundle.
    assert.ok(!sources.includes('src/cli/commands/run.ts'));
  });

  it('help and --version load the entry alone; a command loads dist/cli-run.js', (t) => {
    assert.deepEqual(loadedBundles(t, ['help']), ['cli.js']);
    assert.deepEqual(loadedBundles(t, ['--version']), ['cli.js']);
    assert.deepEqual(loadedBundles(t, ['sessions', 'list', '--help']), ['cli.js']);
    assert.deepEqual(loadedBundles(t, ['sessions', 'list']), ['cli-read.js', 'cli.js']);
    assert.deepEqual(loadedBundles(t, ['worktree', 'ls']), ['cli-run.js', 'cli.js']);
  });

  it("a command's bundle is loaded through V8's code cache: kept on the first run, used after, a bad one replaced", (t) => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-cache-'));
    t.after(() => fs.rmSync(cache, { recursive: true, force: true }));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-cache-home-'));
    t.after(() => fs.rmSync(home, { recursive: true, force: true }));
    const list = () => {
      const r = spawnSync(process.execPath, [DIST_CLI, '--home', home, 'sessions', 'list', '--json'], {
        env: { ...process.env, XDG_CACHE_HOME: cache },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const dir = path.join(cache, 'prodigy-vscode', 'v8');
    const first = list();
    const kept = fs.readdirSync(dir);
    assert.equal(kept.length, 1, kept.join(' '));
    assert.match(kept[0], new RegExp(`^cli-read-\\d+-\\d+-${process.version}-.+-${process.arch}\\.bin$`));
    const file = path.join(dir, kept[0]);
    const stamp = fs.statSync(file).mtimeMs;
    assert.equal(list(), first, 'the same answer from the cache');
    assert.equal(fs.statSync(file).mtimeMs, stamp, 'a good cache is used, not written again');
    // A cache V8 will not take (torn, another build's) is only a slower start: compiled again, and replaced.
    fs.writeFileSync(file, 'not compiled code');
    assert.equal(list(), first);
    assert.notEqual(fs.readFileSync(file, 'utf8'), 'not compiled code');
    // A cache folder that cannot be made changes nothing either.
    fs.rmSync(path.join(cache, 'prodigy-vscode'), { recursive: true });
    fs.writeFileSync(path.join(cache, 'prodigy-vscode'), 'a file where the folder would be');
    assert.equal(list(), first);
  });
});
