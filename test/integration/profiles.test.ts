// Workflow profiles in VS Code (issue 15, items 4 and 7): Run Workflow… on a file with `profiles:` asks which
// profile to run with (descriptions and the variables each sets), runs with the one picked and records it; a
// dismissed picker runs nothing; the plain ▶ Run Workflow lens does not ask; the "Run with profile…" lens is
// offered only on a file with profiles.
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
  setSetting,
  tempDir,
  useHome,
  writeWorkflow,
} from './helpers/harness';

const PROFILED = [
  'name: profiled',
  'env:',
  '  GREETING: hello',
  'profiles:',
  '  staging:',
  '    description: "The staging cluster"',
  '    GREETING: hi-staging',
  '  prod:',
  '    GREETING: hi-prod',
  '    REGION: eu',
  'commands:',
  '  - shell: \'echo "$GREETING" > greeting.txt\'',
  '    commit_required: false',
  '',
].join('\n');

describe('Workflow profiles: the profile picker and the Run with profile… lens', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let wfDir: string;
  let messages: MessageRecorder;
  const restores: (() => Promise<void>)[] = [];
  const picks: { title: string | undefined; items: vscode.QuickPickItem[] }[] = [];
  /** Which item the stubbed picker answers with (by label); undefined dismisses it. */
  let answer: string | undefined;
  let savedQuickPick: typeof vscode.window.showQuickPick;

  before(async () => {
    a = await api();
    restores.push(await useHome(a, tempDir('prodigy-it-profiles-home-')));
    restores.push(await setSetting('claude.command', FAKE_CLAUDE));
    restores.push(await setSetting('worktree.enabled', false));
    wfDir = tempDir('prodigy-it-profiles-workflows-');
    messages = new MessageRecorder();
    const w = vscode.window as unknown as Record<string, unknown>;
    savedQuickPick = vscode.window.showQuickPick;
    w.showQuickPick = async (
      items: vscode.QuickPickItem[] | Thenable<vscode.QuickPickItem[]>,
      options?: vscode.QuickPickOptions,
    ) => {
      const list = await items;
      picks.push({ title: options?.title, items: list });
      return list.find((i) => i.label === answer);
    };
  });

  after(async () => {
    (vscode.window as unknown as Record<string, unknown>).showQuickPick = savedQuickPick;
    messages?.dispose();
    for (const restore of restores.reverse()) await restore();
    removeTempDirs();
  });

  beforeEach(() => {
    picks.length = 0;
    answer = undefined;
    messages.clear();
  });

  it('Run Workflow… offers the profiles of the file, and runs with the one picked', async () => {
    const repo = makeRepo();
    const file = writeWorkflow(wfDir, 'profiled.yml', PROFILED);
    answer = 'prod';
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    assert.ok(outcome, `the run did not start; messages: ${JSON.stringify(messages.messages)}`);
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    assert.strictEqual(picks.length, 1, 'one picker: the profile');
    assert.strictEqual(picks[0].title, 'Run profiled with Profile');
    assert.deepStrictEqual(
      picks[0].items.map((i) => [i.label, i.description, i.detail]),
      [
        ['$(circle-slash) No profile', 'env: as written', undefined],
        ['staging', 'The staging cluster', 'Sets GREETING'],
        ['prod', undefined, 'Sets GREETING, REGION'],
      ],
    );
    assert.strictEqual(fs.readFileSync(path.join(repo, 'greeting.txt'), 'utf8').trim(), 'hi-prod');
    assert.strictEqual(readRecord(a.homes.current.folder, outcome.sessionId).metadata.profile, 'prod');
  });

  it('a dismissed picker runs nothing; "No profile" runs env: as written', async () => {
    const repo = makeRepo();
    const file = writeWorkflow(wfDir, 'profiled-2.yml', PROFILED);
    const dismissed = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      progress: false,
    });
    assert.strictEqual(dismissed, undefined);
    assert.ok(!fs.existsSync(path.join(repo, 'greeting.txt')));
    answer = '$(circle-slash) No profile';
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    assert.strictEqual(outcome?.status, 'Completed');
    assert.strictEqual(fs.readFileSync(path.join(repo, 'greeting.txt'), 'utf8').trim(), 'hello');
  });

  it('a file without profiles is not asked about; a given profile is not asked either', async () => {
    const repo = makeRepo();
    const plain = writeWorkflow(wfDir, 'plain.yml', 'commands:\n  - shell: "echo plain > greeting.txt"\n');
    const ran = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file: plain,
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    assert.strictEqual(ran?.status, 'Completed');
    const file = writeWorkflow(wfDir, 'profiled-3.yml', PROFILED);
    const given = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      merge: 'keep',
      progress: false,
      profile: 'staging',
    });
    assert.strictEqual(given?.status, 'Completed');
    assert.strictEqual(fs.readFileSync(path.join(repo, 'greeting.txt'), 'utf8').trim(), 'hi-staging');
    assert.deepStrictEqual(picks, []);
  });

  it('the "Run with profile…" lens is on a file with profiles only, and opens Run Workflow… for it', async () => {
    const lensesOf = async (name: string, text: string) => {
      const uri = vscode.Uri.file(writeWorkflow(wfDir, name, text));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      for (let i = 0; i < 100; i++) {
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
        const titles = (lenses ?? []).map((l) => l.command?.title ?? '');
        if (titles.some((t) => t.includes('Run Workflow'))) return { uri, lenses: lenses ?? [] };
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`no lenses on ${name}`);
    };
    const withProfiles = await lensesOf('lens-profiled.yml', PROFILED);
    const lens = withProfiles.lenses.find((l) => l.command?.title === 'Run with profile…');
    assert.ok(lens, JSON.stringify(withProfiles.lenses.map((l) => l.command?.title)));
    assert.strictEqual(lens.command?.command, 'prodigy.runWorkflow');
    assert.strictEqual((lens.command?.arguments?.[0] as vscode.Uri).fsPath, withProfiles.uri.fsPath);
    assert.match(lens.command?.tooltip ?? '', /staging, prod/);
    const without = await lensesOf('lens-plain.yml', 'commands:\n  - shell: "true"\n');
    assert.ok(!without.lenses.some((l) => l.command?.title === 'Run with profile…'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
