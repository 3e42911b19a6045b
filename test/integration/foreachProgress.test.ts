// A running foreach step's items on its session's row and in the status bar (issue 15, item 2): `step 2/3 ·
// foreach 2/3` as items finish, from the engine's foreach-progress events, whether the engine runs in a detached
// runner (its events file) or in this window. Items wait on gate files the test creates. Real git, real processes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { RunOutcome } from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
import {
  FAKE_CLAUDE,
  api,
  exec,
  makeRepo,
  removeTempDirs,
  sessionRow,
  setSetting,
  tempDir,
  useHome,
  waitFor,
  writeWorkflow,
} from './helpers/harness';

/** Three steps; the second runs items a, b and c, each waiting until the gate file of its name exists. */
function foreachWorkflow(name: string, gates: string): string {
  return `name: ${name}
commands:
  - shell: "echo first"
  - foreach: [a, b, c]
    do:
      - shell: "while [ ! -f ${gates}/\${item} ]; do sleep 0.05; done; echo item \${item}"
  - shell: "echo last"
`;
}

describe('Foreach progress', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let wfDir: string;
  const restores: (() => Promise<void>)[] = [];
  const gateDirs: string[] = [];

  before(async () => {
    a = await api();
    wfDir = tempDir('prodigy-it-foreach-wf-');
    restores.push(await useHome(a, tempDir('prodigy-it-foreach-home-')));
    restores.push(await setSetting('claude.command', FAKE_CLAUDE));
  });

  after(async () => {
    for (const dir of gateDirs) for (const item of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, item), '');
    for (const run of a.runs.active()) a.runs.stop(run.sessionId, a.homes.current.manager.paths);
    await waitFor('every run to stop', () => a.runs.active().length === 0).catch(() => undefined);
    for (const restore of restores.reverse()) await restore();
    removeTempDirs();
  });

  for (const detached of [true, false]) {
    it(`shows "foreach 2/3" on the running row and in the status bar (${detached ? 'detached runner' : 'in this window'})`, async () => {
      const undo = await setSetting('runs.detached', detached);
      try {
        const name = detached ? 'foreach-detached' : 'foreach-here';
        const gates = tempDir('prodigy-it-foreach-gates-');
        gateDirs.push(gates);
        const run = exec<RunOutcome | undefined>('prodigy.runWorkflow', {
          file: writeWorkflow(wfDir, `${name}.yml`, foreachWorkflow(name, gates)),
          folder: makeRepo(),
          merge: 'keep',
          progress: false,
        });
        const active = await waitFor('the run to register', () => a.runs.active().find((r) => r.workflowName === name));
        assert.strictEqual(active.runner !== null, detached);
        const id = active.sessionId;
        const bar = (text: string) => `$(sync~spin) ${name} · step 2/3 · ${text}`;
        const rowSays = (text: string) => async () => {
          const description = String((await sessionRow(a, id))?.description ?? '');
          return description.startsWith(`Running · step 2/3 · ${text} · `) ? description : undefined;
        };

        // Item a waits: none finished.
        await waitFor('the status bar to show foreach 0/3', () => a.statusBar.item.text === bar('foreach 0/3'));
        await waitFor('the row to show foreach 0/3', rowSays('foreach 0/3'));
        fs.writeFileSync(path.join(gates, 'a'), '');
        fs.writeFileSync(path.join(gates, 'b'), '');
        // Items a and b are through, c waits.
        await waitFor('the status bar to show foreach 2/3', () => a.statusBar.item.text === bar('foreach 2/3'));
        await waitFor('the row to show foreach 2/3', rowSays('foreach 2/3'));
        assert.match(
          String(a.statusBar.item.tooltip && (a.statusBar.item.tooltip as { value: string }).value),
          /\(foreach 2\/3\)/,
        );

        fs.writeFileSync(path.join(gates, 'c'), '');
        const outcome = await run;
        assert.strictEqual(outcome?.status, 'Completed', outcome?.error ?? '');
        await waitFor('the run to end here', () => a.runs.active().length === 0);
        assert.doesNotMatch(a.statusBar.item.text, /foreach/);
        const row = await waitFor('the finished row', () => sessionRow(a, id));
        assert.doesNotMatch(String(row.description), /foreach/);
      } finally {
        await undo();
      }
    });
  }
});
