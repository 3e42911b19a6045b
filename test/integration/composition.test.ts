// Composable workflows in VS Code (issue 15, item 5): Run Workflow… on a file that declares parameters asks for each
// required one without a value (its description, type and default shown, its type checked as typed), runs with the
// answers, and runs nothing when a box is cancelled.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
import {
  FAKE_CLAUDE,
  MessageRecorder,
  api,
  exec,
  makeRepo,
  readRecord,
  removeTempDirs,
  sessionIdsOnDisk,
  setSetting,
  tempDir,
  useHome,
  waitFor,
  writeWorkflow,
} from './helpers/harness';

describe('Composition: Run Workflow… asks for parameters', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let home: string;
  let wfDir: string;
  let messages: MessageRecorder;
  const restores: (() => Promise<void>)[] = [];
  const w = vscode.window as unknown as Record<string, unknown>;
  const savedInputBox = vscode.window.showInputBox;

  before(async () => {
    a = await api();
    home = tempDir('prodigy-it-compose-home-');
    wfDir = tempDir('prodigy-it-compose-wf-');
    restores.push(await useHome(a, home));
    restores.push(await setSetting('claude.command', FAKE_CLAUDE));
    messages = new MessageRecorder();
  });

  after(async () => {
    w.showInputBox = savedInputBox;
    messages?.dispose();
    for (const restore of restores.reverse()) await restore();
    removeTempDirs();
  });

  afterEach(async () => {
    w.showInputBox = savedInputBox;
    for (const run of a.runs.active()) a.runs.stop(run.sessionId, a.homes.current.manager.paths);
    await waitFor('every run of this window to stop', () => a.runs.active().length === 0);
  });

  it('prompts for each required parameter without a value, checks its type, and runs with the answers', async () => {
    const repo = makeRepo();
    const out = path.join(path.dirname(repo), 'deployed.txt');
    fs.writeFileSync(path.join(wfDir, 'base.yml'), 'env:\n  REGION: eu\n');
    const file = writeWorkflow(
      wfDir,
      'deploy.yml',
      `name: deploy
extends: base.yml
parameters:
  required:
    - name: target
      type: String
      description: "Where to deploy"
    - name: replicas
      type: Number
      description: "How many copies"
  optional:
    - name: dry
      type: Boolean
      default: false
commands:
  - shell: "echo \${target} \${replicas} \${dry} $REGION > ${out}"
`,
    );
    const asked: vscode.InputBoxOptions[] = [];
    const feedback: unknown[] = [];
    w.showInputBox = async (o: vscode.InputBoxOptions) => {
      asked.push(o);
      if (o.title?.startsWith('Parameter replicas')) {
        feedback.push(await o.validateInput?.('many'), await o.validateInput?.('3'));
        return '3';
      }
      return 'staging';
    };
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    assert.ok(outcome, `the run did not start; messages: ${JSON.stringify(messages.messages)}`);
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    assert.deepStrictEqual(
      asked.map((o) => [o.title, o.prompt]),
      [
        ['Parameter target (1/2)', 'Where to deploy · Type: String'],
        ['Parameter replicas (2/2)', 'How many copies · Type: Number'],
      ],
      'only the required ones without a value; dry has a default',
    );
    assert.match(String(feedback[0]), /replicas is a Number/);
    assert.strictEqual(feedback[1], undefined);
    assert.strictEqual(fs.readFileSync(out, 'utf8'), 'staging 3 false eu\n');
    assert.deepStrictEqual(readRecord(home, outcome.sessionId).metadata.parameters, {
      target: 'staging',
      replicas: 3,
      dry: false,
    });
  });

  it('cancelling a parameter box runs nothing', async () => {
    const repo = makeRepo();
    const file = writeWorkflow(
      wfDir,
      'cancel.yml',
      'name: cancel\nparameters:\n  required: [who]\ncommands:\n  - shell: "echo ${who}"\n',
    );
    const before = sessionIdsOnDisk(home).length;
    w.showInputBox = async () => undefined;
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    assert.strictEqual(outcome, undefined);
    assert.strictEqual(sessionIdsOnDisk(home).length, before, 'no session was created');
  });
});
