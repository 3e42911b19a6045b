// Bundles the extension, the CLI, the core library and the extension-host test entry.
// CommonJS, Node 20; `vscode` is the only external (the extension host provides it).
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  external: ['vscode'],
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(version) },
};

/**
 * The CLI's entry (dist/cli.js) answers help and --version on its own: it holds the command table, the parser
 * and the help, but no command body and no session core. The command bodies it names are stubbed here (it
 * never calls them), and any other command loads dist/cli-run.js, which holds them all, each evaluated only
 * when its command runs (they are loaded with import(), which esbuild turns into lazy module wrappers), or, for
 * a command that only reads the home, the much smaller dist/cli-read.js (READ_BODIES below).
 */
const cliEntryOnly = {
  name: 'cli-entry-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/runCommandLine$/ }, () => ({ path: './cli-run.js', external: true }));
    build.onResolve({ filter: /^\.\/readCommandLine$/ }, () => ({ path: './cli-read.js', external: true }));
    build.onResolve({ filter: /^\.\/commands\// }, (args) => ({ path: args.path, namespace: 'cli-command-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'cli-command-stub' }, () => ({ contents: 'module.exports = {};' }));
  },
};

/**
 * The command bodies of dist/cli-read.js: the commands marked `runner: 'read'` in src/cli/commandTable.ts, which
 * read the home through the core's store facade. That bundle holds no workflow engine, so it is a fraction of
 * dist/cli-run.js to load; any other body is left out of it (loading one there is an error that says so).
 */
const READ_BODIES = new Set(['sessionsList']);
const readBodiesOnly = {
  name: 'cli-read-bodies-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/commands\// }, (args) =>
      args.importer.endsWith('commandTable.ts') && !READ_BODIES.has(args.path.slice('./commands/'.length))
        ? { path: args.path, namespace: 'cli-read-excluded' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'cli-read-excluded' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in dist/cli-read.js (READ_BODIES in esbuild.mjs)`)});`,
    }));
  },
};

const builds = [
  { entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  {
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [cliEntryOnly],
    // import('./cli-run.js') as require(): Node's ESM loader would first scan the whole bundle for its exports.
    supported: { 'dynamic-import': false },
  },
  { entryPoints: { 'cli-run': 'src/cli/runCommandLine.ts' }, outdir: 'dist' },
  { entryPoints: { 'cli-read': 'src/cli/readCommandLine.ts' }, outdir: 'dist', plugins: [readBodiesOnly] },
  { entryPoints: { core: 'src/core/index.ts' }, outdir: 'dist' },
];
// The integration suite runs inside the extension host; it never ships in the .vsix.
if (!production) {
  // The unit tests' way into the core's internals (test/support/coreInternals.ts).
  builds.push({ entryPoints: { 'core-internals': 'test/support/coreInternals.ts' }, outdir: 'dist/test' });
  builds.push({
    entryPoints: { integration: 'test/integration/index.ts' },
    outdir: 'dist/test',
    external: ['vscode', 'mocha'],
  });
}

const contexts = await Promise.all(
  builds.map((b) => esbuild.context({ ...common, ...b, external: b.external ?? common.external })),
);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[esbuild] watching…');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
