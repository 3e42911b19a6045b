// What the editor shows of a run of its workflow file (issue 14, "The editor knows"): the CodeLens follows the
// run (`$(sync~spin) step 1/2 · … · Stop · Show Log`), the title button's Stop stops it, a second run of a file
// that runs already asks first, and a new run is revealed and selected in the Sessions view.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
import {
  MessageRecorder,
  api,
  exec,
  makeRepo,
  removeTempDirs,
  tempDir,
  useHome,
  waitFor,
  writeWorkflow,
} from './helpers/harness';

async function lensTitles(uri: vscode.Uri): Promise<{ title: string; command: string; args: unknown[] }[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return lenses.map((l) => ({
    title: l.command?.title ?? '',
    command: l.command?.command ?? '',
    args: l.command?.arguments ?? [],
  }));
}

describe('The editor and its workflow file’s runs', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let wfDir: string;
  let messages: MessageRecorder;
  const restores: (() => Promise<void>)[] = [];

  before(async () => {
    a = await api();
    restores.push(await useHome(a, tempDir('prodigy-it-editor-home-')));
    wfDir = tempDir('prodigy-it-editor-workflows-');
    messages = new MessageRecorder();
  });

  after(async () => {
    messages.dispose();
    for (const run of a.runs.active()) a.runs.stop(run.sessionId, a.homes.current.manager.paths);
    await waitFor('every run to stop', () => a.runs.active().length === 0);
    for (const restore of restores.reverse()) await restore();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    removeTempDirs();
  });

  it('the lens follows the run, the title Stop stops it, and a second run of the same file asks first', async () => {
    const gate = path.join(wfDir, 'gate');
    const file = writeWorkflow(
      wfDir,
      'gated.workflow.yml',
      `name: gated\ncommands:\n  - shell: "true"\n  - name: wait for the gate\n    shell: "while [ ! -f ${gate} ]; do sleep 0.05; done"\n`,
    );
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const before = await waitFor('the Run lens', async () => {
      const t = await lensTitles(uri);
      return t.some((l) => l.title === '▶ Run Workflow') ? t : undefined;
    });
    assert.ok(!before.some((l) => l.title.includes('Stop')));

    const repo = makeRepo();
    const first = exec<RunOutcome | undefined>('prodigy.runWorkflow', { file, folder: repo, merge: 'keep' });
    const id = await waitFor('the run', () => a.runs.active().find((r) => r.workflowName === 'gated')?.sessionId);
    // The lens: where the run is, Stop and Show Log, for this session; no second Run.
    const running = await waitFor('the lens to follow the run', async () => {
      const t = await lensTitles(uri);
      return t.some((l) => l.title.startsWith('$(sync~spin) step 2/2 · wait for the gate')) ? t : undefined;
    });
    assert.ok(!running.some((l) => l.title === '▶ Run Workflow'), JSON.stringify(running));
    const stop = running.find((l) => l.title === '$(debug-stop) Stop');
    assert.deepStrictEqual(stop && { command: stop.command, args: stop.args }, {
      command: 'prodigy.stopSession',
      args: [id],
    });
    assert.deepStrictEqual(
      running.find((l) => l.title === '$(output) Show Log')?.args,
      [id],
      'Show Log opens this run’s log',
    );
    // The new run is revealed and selected in the Sessions view.
    await waitFor('the new run to be selected', () => a.tree.view.selection.some((n) => n.id === `session:${id}`));

    // A second run of the same file asks first; dismissed, nothing starts.
    messages.answer = () => undefined;
    const declined = await exec<RunOutcome | undefined>('prodigy.runWorkflow', { file, folder: repo, merge: 'keep' });
    assert.strictEqual(declined, undefined);
    const asked = messages.find('warning', /^gated is already running \(step 2\/2\)\. Start a second run of it\?$/);
    assert.ok(asked?.modal, JSON.stringify(messages.messages));
    assert.deepStrictEqual(asked.items, ['Start Another Run']);
    assert.strictEqual(a.runs.active().length, 1, 'no second run started');

    // The editor title's Stop (the active editor's file runs): the run is Paused, resumable.
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, file);
    await exec('prodigy.stopWorkflowFile');
    const outcome = await first;
    assert.strictEqual(outcome?.status, 'Paused');
    const after = await waitFor('the Run lens again', async () => {
      const t = await lensTitles(uri);
      return t.some((l) => l.title === '▶ Run Workflow') ? t : undefined;
    });
    assert.ok(!after.some((l) => l.title.includes('$(sync~spin)')));
    fs.writeFileSync(gate, '');
  });
});
