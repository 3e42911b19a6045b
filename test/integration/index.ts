// Extension-host test entry (bundled by esbuild.mjs into dist/test/integration.js; `vscode` and `mocha` stay
// external). Both hosts call `run()`: @vscode/test-electron (desktop VS Code) and test/host/run-integration.mjs
// (code-server + headless Chromium).
//
// The bundle cannot discover files at run time, so every integration test file is listed below.
// ADDING A TEST FILE: create test/integration/<name>.test.ts (mocha BDD: describe/it) and add one line
//   require('./<name>.test');
// to loadTestFiles() below.
import Mocha from 'mocha';

function loadTestFiles(): void {
  // Evaluated after 'pre-require', so describe/it/before/after exist as globals (hence require, not import).
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('./activation.test');
  require('./sessionsTree.test');
  require('./commands.test');
  require('./authoring.test');
  require('./editorRuns.test');
  // Before runCommands.test: its last test checks that the files before it drove every contributed command.
  require('./claude.test');
  require('./mapReduceRows.test');
  require('./decisions.test');
  require('./words.test');
  require('./profiles.test');
  require('./composition.test');
  require('./foreachProgress.test');
  require('./demoWorkflow.test');
  require('./runCommands.test');
  require('./detachedRuns.test');
  require('./perf.test');
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.MOCHA_TIMEOUT ?? 30_000),
    grep: process.env.MOCHA_GREP || undefined,
  });
  mocha.suite.emit('pre-require', globalThis, 'test/integration/index.ts', mocha);
  return new Promise<void>((resolve, reject) => {
    try {
      loadTestFiles();
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      console.error(err);
      reject(err);
    }
  });
}
