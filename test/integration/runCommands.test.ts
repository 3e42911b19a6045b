// Every command the extension contributes (and prodigy.discardSessionWork), driven through
// vscode.commands.executeCommand with its answers as arguments, against real git repos, real
// processes and the fake Claude CLI, in a Prodigy home of its own (the `prodigy.home` setting).
// Effects are checked where they land: the session record on disk, the worktree and the repo,
// the tree rows, the status bar, the log document, the notifications shown.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  progressText,
  summarize,
  type RunOutcome,
  type RestoreOutcome,
  type MigrationReport,
  type MergeOutcome,
  type ChangedFile,
} from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
// Types only: the extension's node classes live in its own bundle, so `instanceof` would not match here.
import type { CheckpointNode, SessionNode } from '../../src/extension/sessionsTree/nodes';
// A pure function (no node class), so importing it into the test bundle is safe.
import { shortStepName } from '../../src/extension/sessionsTree/checkpointLabel';
import {
  EXTENSION_ID,
  FAKE_CLAUDE,
  PRODIGY_FIXTURES,
  MessageRecorder,
  api,
  deferred,
  exec,
  executed,
  git,
  label,
  makeRepo,
  nextTreeChange,
  readRecord,
  removeTempDirs,
  rootRows,
  sessionIdsOnDisk,
  sessionRow,
  setSetting,
  sleep,
  tempDir,
  useHome,
  waitFor,
  writeWorkflow,
} from './helpers/harness';

/** The progress part of a row's description, as the core words it for the record on disk. */
const progressOf = (home: string, id: string) =>
  progressText(summarize(readRecord(home, id), path.join(home, 'sessions', `${id}.json`)));
const lines = (file: string) =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
const exists = (dir: string, file: string) => fs.existsSync(path.join(dir, file));

/** Each step commits one file; step `gateAt` (1-based) first waits until `gate` exists. Every step appends its number to `side`. */
function commitsWorkflow(
  name: string,
  side: string,
  opts: { steps?: number; gate?: string; gateAt?: number } = {},
): string {
  const steps = opts.steps ?? 3;
  const words = ['one', 'two', 'three', 'four', 'five'];
  const body = Array.from({ length: steps }, (_, i) => {
    const n = i + 1;
    const wait = opts.gate && opts.gateAt === n ? `while [ ! -f ${opts.gate} ]; do sleep 0.05; done; ` : '';
    return `  - shell: "echo ${n} >> ${side}; ${wait}echo ${words[i]} > ${words[i]}.txt && git add ${words[i]}.txt && git commit -qm ${words[i]}"`;
  }).join('\n');
  return `name: ${name}\ncommands:\n${body}\n`;
}

describe('Run commands', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let home: string;
  let wfDir: string;
  let messages: MessageRecorder;
  const restores: (() => Promise<void>)[] = [];

  before(async () => {
    a = await api();
    home = tempDir('prodigy-it-home-');
    wfDir = tempDir('prodigy-it-workflows-');
    restores.push(await useHome(a, home));
    restores.push(await setSetting('claude.command', FAKE_CLAUDE));
    messages = new MessageRecorder();
  });

  after(async () => {
    messages?.dispose();
    for (const restore of restores.reverse()) await restore();
    removeTempDirs();
  });

  beforeEach(() => {
    messages.clear();
    messages.answer = () => undefined;
  });

  // A test that failed half-way must not leave a run going (it would hold the status bar and the next tests' state).
  afterEach(async () => {
    for (const run of a.runs.active()) a.runs.stop(run.sessionId, a.homes.current.manager.paths);
    await waitFor('every run of this window to stop', () => a.runs.active().length === 0);
  });

  let counter = 0;
  function workflowFile(text: string): string {
    return writeWorkflow(wfDir, `wf-${++counter}.yml`, text);
  }

  async function runToEnd(
    text: string,
    repo: string,
    merge: 'merge' | 'keep' | 'discard' = 'keep',
  ): Promise<RunOutcome> {
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file: workflowFile(text),
      folder: repo,
      merge,
      progress: false,
    });
    assert.ok(outcome, `the run did not start; messages: ${JSON.stringify(messages.messages)}`);
    return outcome;
  }

  /** A finished three-commit run whose branch was kept. */
  async function keptRun(name = 'three-commits'): Promise<{ repo: string; id: string; wt: string; side: string }> {
    const repo = makeRepo();
    const side = path.join(path.dirname(repo), 'side.txt');
    const outcome = await runToEnd(commitsWorkflow(name, side), repo, 'keep');
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    assert.strictEqual(outcome.merge?.status, 'kept');
    assert.ok(outcome.worktree);
    return { repo, id: outcome.sessionId, wt: outcome.worktree, side };
  }

  /** Starts a gated run and waits until step `gateAt` is in flight; the caller opens the gate. */
  async function startGatedRun(name: string, gateAt = 2) {
    const repo = makeRepo();
    const root = path.dirname(repo);
    const side = path.join(root, 'side.txt');
    const gate = path.join(root, 'gate');
    const run = exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file: workflowFile(commitsWorkflow(name, side, { gate, gateAt })),
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    await waitFor(`step ${gateAt} to start`, () => lines(side).length >= gateAt);
    const id = await waitFor(
      'the run to register',
      () => a.runs.active().find((r) => r.workflowName === name)?.sessionId,
    );
    return { repo, side, gate, id, run };
  }

  it('runWorkflow runs a workflow (Claude and shell steps) in a session worktree and merges it when told to', async () => {
    const repo = makeRepo();
    const claudeLog = path.join(path.dirname(repo), 'claude.log');
    process.env.FAKE_CLAUDE_LOG = claudeLog;
    let outcome: RunOutcome;
    try {
      outcome = await runToEnd(
        `name: claude-and-shell
commands:
  - claude: "/commit claude.txt written by claude"
  - shell: "echo shell > shell.txt && git add shell.txt && git commit -qm shell"
`,
        repo,
        'merge',
      );
    } finally {
      delete process.env.FAKE_CLAUDE_LOG;
    }
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    assert.strictEqual(outcome.merge?.status, 'merged');
    const rec = readRecord(home, outcome.sessionId);
    assert.strictEqual(rec.status, 'Completed');
    assert.deepStrictEqual(rec.workflow_data.completed_steps, [0, 1]);
    assert.strictEqual(rec.workflow_data.workflow_name, 'claude-and-shell');
    assert.strictEqual(rec.checkpoints.length, 2);
    // The fake Claude ran in the worktree, not in the repo; the merge brought both commits to main.
    const call = JSON.parse(lines(claudeLog)[0]);
    assert.strictEqual(call.cwd, outcome.worktree);
    assert.strictEqual(call.prompt, '/commit claude.txt written by claude');
    assert.strictEqual(fs.readFileSync(path.join(repo, 'claude.txt'), 'utf8'), 'written by claude\n');
    assert.strictEqual(fs.readFileSync(path.join(repo, 'shell.txt'), 'utf8'), 'shell\n');
    assert.strictEqual(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.ok(
      messages.find('info', /"[^"]+" \(started [^)]+\) completed and merged/),
      JSON.stringify(messages.messages),
    );
    const row = await sessionRow(a, outcome.sessionId);
    assert.ok(row, 'the finished session is not in the tree');
    assert.strictEqual(label(row), 'claude-and-shell');
    // The fake Claude's call cost $0.01 (its default): the row says so, and has a transcript to show.
    assert.strictEqual(
      row.description,
      `Completed · merged into main · ${progressOf(home, outcome.sessionId)} · $0.01 · just now`,
    );
    // Merged: no Merge, Discard or Reveal Worktree any more.
    assert.strictEqual(row.contextValue, 'session;completed;workflow;deletable;claude;');
  });

  it('a run shows up in the tree without a refresh and is live; Stop pauses it with the step in flight not counted; status bar and log document follow; resume finishes it', async () => {
    const relisted = nextTreeChange(a, (n) => n === undefined);
    const { repo, side, gate, id, run } = await startGatedRun('gated');
    await relisted;

    // Running here: live and stoppable, not resumable.
    let row = await sessionRow(a, id);
    assert.ok(row, 'the new session is not in the tree');
    assert.strictEqual(label(row), 'gated');
    // Step 1's record write may be coalesced with the next (at most 200 ms later).
    await waitFor(
      'the record to count step 1 done',
      () => readRecord(home, id).workflow_data.completed_steps.length === 1,
    );
    row = await sessionRow(a, id);
    assert.strictEqual(row?.description, `Running · ${progressOf(home, id)} · just now`);
    assert.match(row.contextValue ?? '', /^session;running;workflow;active;live;worktree;$/);
    await waitFor('the status bar to show the run', () => a.statusBar.item.text === '$(sync~spin) gated · step 2/3');
    assert.strictEqual(a.statusBar.item.command && (a.statusBar.item.command as vscode.Command).arguments?.[0], id);

    // The log document, opened while it runs, follows the run.
    const uri = await exec<vscode.Uri>('prodigy.showSessionLog', id);
    // Its tab is titled with the workflow and its start time, not the id.
    assert.match(uri.path, new RegExp(`^/${id}/gated \\(started [^)]+\\)\\.log$`));
    const doc = await waitFor('the log document', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()),
    );
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
    assert.match(doc.getText(), new RegExp(`Starting session: ${id}`));
    const logFile = a.homes.current.manager.paths.sessionLogFile(id);

    assert.strictEqual(await exec('prodigy.stopSession', id), 'stopped');
    const outcome = await run;
    assert.ok(outcome);
    assert.strictEqual(outcome.status, 'Paused');
    assert.ok(messages.find('info', /"[^"]+" \(started [^)]+\) stopped; it is Paused and can be resumed/));

    const rec = readRecord(home, id);
    assert.strictEqual(rec.status, 'Paused');
    assert.deepStrictEqual(rec.workflow_data.completed_steps, [0], 'the step in flight is not done');
    assert.strictEqual(rec.checkpoints.length, 1);
    assert.ok(exists(outcome.worktree!, 'one.txt'));
    assert.ok(!exists(outcome.worktree!, 'two.txt'));

    row = await sessionRow(a, id);
    assert.ok(row);
    assert.strictEqual(row.description, `Paused · ${progressOf(home, id)} · just now`);
    assert.match(row.contextValue ?? '', /;paused;/);
    assert.match(row.contextValue ?? '', /;resumable;/);
    assert.doesNotMatch(row.contextValue ?? '', /;live;/);
    await waitFor(
      'the status bar to show the pause',
      () => a.statusBar.item.text === '$(debug-pause) gated paused · step 2/3',
    );
    await waitFor(
      'the log document to catch up with the log file',
      () => doc.getText() === fs.readFileSync(logFile, 'utf8'),
    );
    const textAfterStop = doc.getText();

    fs.writeFileSync(gate, '');
    const resumed = await exec<RunOutcome | undefined>('prodigy.resumeSession', {
      sessionId: id,
      merge: 'keep',
      progress: false,
    });
    assert.ok(resumed);
    assert.strictEqual(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepStrictEqual(
      lines(side),
      ['1', '2', '2', '3'],
      'step 1 ran once, step 2 again after the stop, step 3 once',
    );
    const done = readRecord(home, id);
    assert.strictEqual(done.status, 'Completed');
    assert.deepStrictEqual(done.workflow_data.completed_steps, [0, 1, 2]);
    assert.strictEqual(fs.readFileSync(path.join(resumed.worktree!, 'three.txt'), 'utf8'), 'three\n');
    assert.ok(git(repo, 'branch', '--list', `prodigy-${id}`), 'the kept branch exists');
    assert.ok(!exists(repo, 'two.txt'), 'kept: nothing merged');
    await waitFor(
      'the log document to show the resume',
      () => doc.getText().length > textAfterStop.length && /Resuming session/.test(doc.getText()),
    );
    row = await sessionRow(a, id);
    assert.strictEqual(
      row?.description,
      `Completed · branch kept · 3 unmerged commits · ${progressOf(home, id)} · just now`,
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('a run in flight keeps its home when prodigy.home changes: still shown running, Stop pauses it, its record stays where it started', async () => {
    const { id, run } = await startGatedRun('home-switch');
    const other = tempDir('prodigy-it-other-home-');
    const back = await useHome(a, other);
    try {
      assert.ok(a.runs.isRunningHere(id), 'the run stopped when the home changed');
      await waitFor('the status bar to show the run', () =>
        a.statusBar.item.text.startsWith('$(sync~spin) home-switch · '),
      );
      assert.strictEqual(await exec('prodigy.stopSession', id), 'stopped');
      const outcome = await run;
      assert.strictEqual(outcome?.status, 'Paused');
      assert.strictEqual(readRecord(home, id).status, 'Paused');
      assert.deepStrictEqual(readRecord(home, id).workflow_data.completed_steps, [0]);
      assert.deepStrictEqual(sessionIdsOnDisk(other), [], 'the run wrote into the new home');
    } finally {
      await back();
    }
  });

  it('runWorkflowWithOptions repeats a workflow until a round commits nothing (-n), and asks for inputs: once per matching file (--map)', async () => {
    const repo = makeRepo();
    const side = path.join(path.dirname(repo), 'side.txt');
    const rounds = `name: rounds\ncommands:\n  - shell: "echo \${ITERATION} >> ${side}; if [ \${ITERATION} -lt 3 ]; then echo \${ITERATION} > r.txt && git add r.txt && git commit -qm r\${ITERATION}; fi"\n`;
    const outcome = await exec<RunOutcome>('prodigy.runWorkflowWithOptions', {
      file: workflowFile(rounds),
      folder: repo,
      merge: 'keep',
      progress: false,
      iterations: 5,
    });
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    assert.deepStrictEqual(lines(side), ['1', '2', '3'], 'round 3 committed nothing: rounds 4 and 5 did not run');
    const record = readRecord(home, outcome.sessionId);
    assert.strictEqual(record.metadata.iterations, 5);
    assert.deepStrictEqual(record.workflow_data.completed_steps, [0, 1, 2]);

    // Asked interactively: the quick pick and the pattern box, answered as a user would.
    fs.mkdirSync(path.join(repo, 'specs'));
    for (const f of ['70-tests.md', '65-refactor.md']) fs.writeFileSync(path.join(repo, 'specs', f), '');
    const side2 = path.join(path.dirname(repo), 'side2.txt');
    const w = vscode.window as unknown as Record<string, unknown>;
    const saved = { showQuickPick: w.showQuickPick, showInputBox: w.showInputBox };
    const feedback: unknown[] = [];
    w.showQuickPick = async (items: vscode.QuickPickItem[]) => items.find((i) => i.description === '--map GLOB');
    w.showInputBox = async (o: vscode.InputBoxOptions) => {
      feedback.push(await o.validateInput?.('nothing/*.md'), await o.validateInput?.('specs/*.md'));
      return 'specs/*.md';
    };
    let perFile: RunOutcome;
    try {
      perFile = await exec<RunOutcome>('prodigy.runWorkflowWithOptions', {
        file: workflowFile(`- shell: "echo \${ARG} >> ${side2}"\n`),
        folder: repo,
        merge: 'keep',
        progress: false,
      });
    } finally {
      Object.assign(w, saved);
    }
    assert.match(String(feedback[0]), /no files match/);
    assert.match((feedback[1] as vscode.InputBoxValidationMessage).message, /^2 inputs: 65, 70$/);
    assert.strictEqual(perFile.status, 'Completed', perFile.error ?? '');
    assert.deepStrictEqual(lines(side2), ['65', '70']);
    // The tree names each checkpoint by its step and the input it ran with.
    const node = await waitFor(
      'the run in the tree',
      async () =>
        (await rootRows(a)).find(({ item }) => item.id === `session:${perFile.sessionId}`)?.node as
          SessionNode | undefined,
    );
    const labels = (await a.tree.getChildren(node))
      .map((c) => a.tree.getTreeItem(c))
      .filter((i) => i.contextValue?.startsWith('checkpoint;restorable;'))
      .map((i) => label(i));
    assert.strictEqual(labels.length, 2, labels.join(' | '));
    assert.ok(
      labels.some((l) => /input 65 \[1\/2\]/.test(l)) && labels.some((l) => /input 70 \[2\/2\]/.test(l)),
      labels.join(' | '),
    );
  });

  it('stopSession on a session that is not running says so', async () => {
    const { id } = await keptRun();
    assert.strictEqual(await exec('prodigy.stopSession', id), 'not-running');
    const said = messages.find('info', /^Prodigy: "three-commits" \(started [^)]+\) is not running\.$/);
    assert.ok(said, JSON.stringify(messages.messages));
    assert.ok(!said.text.includes(id), 'the message names the session by its id');
  });

  it('a failed run offers Resume; after the fix, the button resumes it and the merge question is answered from the notification', async () => {
    const repo = makeRepo();
    const fix = path.join(path.dirname(repo), 'fixed');
    const fileText = `name: fail-then-fix
commands:
  - shell: "echo a > a.txt && git add a.txt && git commit -qm a"
  - shell: "test -f ${fix} && echo b > b.txt && git add b.txt && git commit -qm b"
`;
    const outcome = await runToEnd(fileText, repo);
    assert.strictEqual(outcome.status, 'Failed');
    const id = outcome.sessionId;
    const failedMsg = messages.find('error', /"[^"]+" \(started [^)]+\) failed: /);
    assert.ok(failedMsg, JSON.stringify(messages.messages));
    assert.deepStrictEqual(failedMsg.items, ['Show Log', 'Resume']);
    await waitFor(
      'the status bar to show the failure',
      () => a.statusBar.item.text === '$(error) fail-then-fix failed',
    );
    const row = await sessionRow(a, id);
    assert.match(row?.contextValue ?? '', /;failed;.*;resumable;/);

    // Click "Resume" (the run was already over, so answer the next run's notifications instead).
    fs.writeFileSync(fix, '');
    messages.answer = (m) => (m.items.includes('Keep Branch') ? 'Keep Branch' : undefined);
    await exec('prodigy.resumeSession', { sessionId: id }); // progress and the merge question as a user gets them
    assert.strictEqual(readRecord(home, id).status, 'Completed');
    const question = messages.find(
      'info',
      /"fail-then-fix" \(started [^)]+\) finished with 2 new commits\. Merge them into main\?/,
    );
    assert.ok(question, JSON.stringify(messages.messages));
    assert.deepStrictEqual(question.items, ['Review Changes', 'Merge', 'Keep Branch', 'Discard']);
    assert.ok(!exists(repo, 'b.txt'), 'Keep Branch: nothing merged');
    // Keep Branch decides: the record drops the pending marker the question set.
    await waitFor('Keep Branch to decide', () => readRecord(home, id).metadata.merge?.decision === undefined);
    assert.strictEqual(readRecord(home, id).metadata.merge?.status, 'kept');
  });

  it('mergeSession merges a kept branch into the branch the run started from', async () => {
    const { repo, id } = await keptRun();
    assert.ok(!exists(repo, 'three.txt'));
    const merged = await exec<MergeOutcome | undefined>('prodigy.mergeSession', id);
    assert.ok(merged);
    assert.strictEqual(merged.status, 'merged');
    assert.deepStrictEqual(merged, { status: 'merged', commits: 3, target: 'main' });
    assert.strictEqual(fs.readFileSync(path.join(repo, 'three.txt'), 'utf8'), 'three\n');
    // A merge commit on main whose second parent brings the session's three commits.
    assert.match(git(repo, 'log', '-1', '--format=%s', 'main'), new RegExp(`^Merge prodigy-${id}`));
    assert.deepStrictEqual(git(repo, 'log', '--format=%s', '--topo-order', 'main^1..main^2').split('\n'), [
      'three',
      'two',
      'one',
    ]);
    assert.strictEqual(readRecord(home, id).metadata.merge?.status, 'merged');
    assert.ok(messages.find('info', /^Prodigy: "three-commits" \(started [^)]+\) merged into main \(3 commits\)\.$/));
  });

  it('runWorkflow with merge "discard" removes the worktree and branch; the record stays', async () => {
    const repo = makeRepo();
    const side = path.join(path.dirname(repo), 'side.txt');
    const outcome = await runToEnd(commitsWorkflow('discard-me', side, { steps: 1 }), repo, 'discard');
    assert.strictEqual(outcome.status, 'Completed');
    assert.ok(outcome.worktree);
    assert.ok(!fs.existsSync(outcome.worktree), 'the worktree is still there');
    assert.strictEqual(git(repo, 'branch', '--list', `prodigy-${outcome.sessionId}`), '', 'the branch is still there');
    assert.ok(!exists(repo, 'one.txt'));
    assert.strictEqual(readRecord(home, outcome.sessionId).status, 'Completed');
    assert.ok(!messages.messages.some((m) => m.modal), 'Discard was asked twice');
  });

  it('discardSessionWork asks first, then removes the worktree and branch', async () => {
    const { repo, id, wt } = await keptRun();
    const dismissed = await exec('prodigy.discardSessionWork', id);
    assert.strictEqual(dismissed, undefined);
    assert.ok(fs.existsSync(wt), 'dismissing the question removed the worktree');
    const question = messages.find('warning', new RegExp(`^Delete 3 commits on prodigy-${id}\\?`));
    assert.ok(question?.modal);
    messages.answer = (m) => (m.items.includes('Discard') ? 'Discard' : undefined);
    assert.strictEqual(await exec('prodigy.discardSessionWork', id), wt);
    assert.ok(!fs.existsSync(wt));
    assert.strictEqual(git(repo, 'branch', '--list', `prodigy-${id}`), '');
    assert.strictEqual(readRecord(home, id).status, 'Completed');
  });

  it('showCheckpointChanges returns (and opens) the files a step changed', async () => {
    const { id } = await keptRun();
    const rec = readRecord(home, id);
    const files = await exec<ChangedFile[] | undefined>('prodigy.showCheckpointChanges', {
      sessionId: id,
      checkpointId: rec.checkpoints[1].id,
    });
    assert.ok(files);
    assert.deepStrictEqual(
      files.map((f) => `${f.status} ${f.path}`),
      ['A two.txt'],
    );
    // Also from the tree's checkpoint row, as the inline action passes it.
    const node = (await rootRows(a)).find(({ item }) => item.id === `session:${id}`)?.node as SessionNode;
    const children = await a.tree.getChildren(node);
    // Ours (one per step, restorable, with a commit), then Prodigy's checkpoint file for `prodigy resume`.
    const cps = children.filter((c) =>
      a.tree.getTreeItem(c).contextValue?.startsWith('checkpoint;restorable;'),
    ) as CheckpointNode[];
    assert.strictEqual(cps.length, 3, children.map((c) => a.tree.getTreeItem(c).contextValue).join(', '));
    assert.match(a.tree.getTreeItem(cps[2]).contextValue ?? '', /^checkpoint;restorable;commit;$/);
    const fromRow = await exec<ChangedFile[] | undefined>('prodigy.showCheckpointChanges', cps[2]);
    assert.deepStrictEqual(
      fromRow?.map((f) => `${f.status} ${f.path}`),
      ['A three.txt'],
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('restoreCheckpoint puts the files back to a checkpoint and leaves the session Paused; Undo Restore brings everything back', async () => {
    const { id, wt } = await keptRun();
    const rec = readRecord(home, id);
    const head = git(wt, 'rev-parse', 'HEAD');
    fs.writeFileSync(path.join(wt, 'notes.txt'), 'mine, untracked\n');
    const undo = deferred<string | undefined>();
    messages.answer = (m) => (m.items.includes('Undo Restore') ? undo.promise : undefined);

    const outcome = await exec<RestoreOutcome | undefined>('prodigy.restoreCheckpoint', {
      sessionId: id,
      checkpointId: rec.checkpoints[0].id,
      confirm: true,
    });
    assert.ok(outcome, JSON.stringify(messages.messages));
    assert.strictEqual(git(wt, 'rev-parse', 'HEAD'), rec.checkpoints[0].metadata.commit);
    assert.ok(exists(wt, 'one.txt'));
    assert.ok(!exists(wt, 'two.txt'));
    assert.ok(!exists(wt, 'three.txt'));
    assert.strictEqual(
      fs.readFileSync(path.join(wt, 'notes.txt'), 'utf8'),
      'mine, untracked\n',
      'untracked files are kept',
    );
    const restored = readRecord(home, id);
    assert.strictEqual(restored.status, 'Paused');
    assert.deepStrictEqual(restored.workflow_data.completed_steps, [0]);
    // Named by its workflow and start time, and the checkpoint as its row reads; Resume and Undo offered.
    const note = messages.find(
      'info',
      /^Prodigy: "three-commits" \(started [^)]+\) restored to After 1 · echo 1 >> .*\([0-9a-f]{7}\); it is Paused, ready to resume\.$/,
    );
    assert.ok(note, JSON.stringify(messages.messages));
    assert.deepStrictEqual(note.items, ['Resume', 'Undo Restore']);
    const row = await sessionRow(a, id);
    assert.strictEqual(row?.description, `Paused · ${progressOf(home, id)} · just now`);
    assert.match(row?.contextValue ?? '', /;resumable;/);

    // The notification's Undo Restore button restores the safety checkpoint.
    undo.resolve('Undo Restore');
    await waitFor(
      'the undo to bring the files back',
      () => exists(wt, 'three.txt') && readRecord(home, id).workflow_data.completed_steps.length === 3,
    );
    assert.strictEqual(git(wt, 'rev-parse', 'HEAD'), head);
    assert.strictEqual(fs.readFileSync(path.join(wt, 'two.txt'), 'utf8'), 'two\n');
    assert.deepStrictEqual(readRecord(home, id).workflow_data.completed_steps, [0, 1, 2]);
    assert.ok(readRecord(home, id).checkpoints.some((c: { id: string }) => c.id === outcome.safetyCheckpointId));
  });

  it('restoreCheckpoint refuses over uncommitted changes unless forced, and then keeps them in a stash entry', async () => {
    const { id, wt } = await keptRun();
    const rec = readRecord(home, id);
    fs.writeFileSync(path.join(wt, 'two.txt'), 'edited by hand\n');
    const refused = await exec('prodigy.restoreCheckpoint', {
      sessionId: id,
      checkpointId: rec.checkpoints[0].id,
      confirm: true,
    });
    assert.strictEqual(refused, undefined);
    assert.ok(
      messages.find('error', /could not restore .*uncommitted changes in two\.txt/),
      JSON.stringify(messages.messages),
    );
    assert.strictEqual(fs.readFileSync(path.join(wt, 'two.txt'), 'utf8'), 'edited by hand\n');
    assert.strictEqual(readRecord(home, id).status, 'Completed', 'a refused restore changes nothing');

    const forced = await exec<RestoreOutcome | undefined>('prodigy.restoreCheckpoint', {
      sessionId: id,
      checkpointId: rec.checkpoints[0].id,
      confirm: true,
      force: true,
    });
    assert.ok(forced?.savedChanges);
    assert.ok(!exists(wt, 'two.txt'));
    assert.ok(messages.find('info', /uncommitted changes saved \(git stash apply [0-9a-f]{10}\)/));
  });

  /** The checkpoint rows under a session row, and the "Undone (N)" row if there is one. */
  async function checkpointRows(id: string) {
    const session = await waitFor('the session row', async () =>
      (await rootRows(a)).find(({ item }) => item.id === `session:${id}`),
    );
    const children = await a.tree.getChildren(session.node);
    return children.map((node) => ({ node, item: a.tree.getTreeItem(node) }));
  }

  it('checkpoint rows read "After N · step (commit)", from the step\'s name or its command, and a click shows its changes', async () => {
    const repo = makeRepo();
    const outcome = await runToEnd(
      `name: labelled
commands:
  - name: Write the plan
    shell: "echo plan > plan.md && git add plan.md && git commit -qm plan"
  - shell: "echo one > one.txt && git add one.txt && git commit -qm one && echo and a long tail that goes on well past the width of a row"
`,
      repo,
    );
    const rows = await checkpointRows(outcome.sessionId);
    const rec = readRecord(home, outcome.sessionId);
    const commit = (i: number) => rec.checkpoints[i].metadata.commit.slice(0, 7);
    assert.deepStrictEqual(
      rows.map(({ item }) => label(item)),
      [
        `After 1 · Write the plan (${commit(0)})`,
        `After 2 · echo one > one.txt && git add one.txt && git… (${commit(1)})`,
      ],
    );
    // No "N/2 steps done" row for Prodigy's checkpoint file: it is in the session's tooltip.
    assert.ok(rows.every(({ item }) => item.contextValue?.startsWith('checkpoint;restorable;commit;')));
    // The short form of a command: the kind goes, a pass's label stays, a long line is cut at a word.
    assert.strictEqual(shortStepName('claude: /prodigy-code-review'), '/prodigy-code-review');
    assert.strictEqual(shortStepName('shell: cargo test --all'), 'cargo test --all');
    assert.strictEqual(shortStepName('input 65 [1/2] · shell: make\nmore'), 'input 65 [1/2] · make');

    // A click runs Show Checkpoint Changes on the row: the second step's file opens.
    const command = rows[1].item.command;
    assert.strictEqual(command?.command, 'prodigy.showCheckpointChanges');
    const files = await exec<ChangedFile[] | undefined>(command.command, ...(command.arguments ?? []));
    assert.deepStrictEqual(
      files?.map((f) => `${f.status} ${f.path}`),
      ['A one.txt'],
    );
    await waitFor('the changes editor', () =>
      vscode.window.tabGroups.activeTabGroup.activeTab?.label.startsWith('labelled: After 2 · echo one'),
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('restoreCheckpoint opens the diff first and restores only from its Restore to Here; a change made meanwhile is kept unless saved aside', async () => {
    const { id, wt } = await keptRun('restore-diff');
    const rec = readRecord(home, id);
    const head = git(wt, 'rev-parse', 'HEAD');
    const row = (await checkpointRows(id))[0];
    assert.match(label(row.item), /^After 1 · /);

    // From the row: the diff of what changes opens, and a notification (not a modal over it) offers the same.
    assert.strictEqual(await exec('prodigy.restoreCheckpoint', row.node), undefined);
    const tab = await waitFor('the restore diff', () => {
      const t = vscode.window.tabGroups.activeTabGroup.activeTab;
      return t?.label.startsWith('Restore restore-diff to After 1 · ') ? t : undefined;
    });
    assert.strictEqual(git(wt, 'rev-parse', 'HEAD'), head, 'nothing is restored before the user says so');
    assert.strictEqual(readRecord(home, id).status, 'Completed');
    const offer = messages.find(
      'warning',
      /^Prodigy: restore "restore-diff" \(started [^)]+\) to After 1 · .*\? 2 files go back/,
    );
    assert.ok(offer, JSON.stringify(messages.messages));
    assert.strictEqual(offer.modal, false);
    assert.deepStrictEqual(offer.items, ['Restore to Here']);
    // The diff's title shows Restore to Here for the diff's own scheme, and passes its URI.
    const menu: { command: string; when: string }[] =
      vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus['editor/title'];
    assert.ok(
      // (The host quotes the value in the manifest it hands out: `resourceScheme == 'prodigy-restore'`.)
      menu.some((m) => m.command === 'prodigy.restoreToHere' && /^resourceScheme == '?prodigy-restore'?$/.test(m.when)),
      JSON.stringify(menu),
    );

    // A change made while the diff is open: Restore to Here refuses to go over it, and offers to save it first.
    fs.writeFileSync(path.join(wt, 'two.txt'), 'edited while looking\n');
    const uri = vscode.Uri.from({ scheme: 'prodigy-restore', path: `/${id}/${rec.checkpoints[0].id}` });
    assert.strictEqual(await exec('prodigy.restoreToHere', uri), undefined);
    const blocked = messages.find(
      'warning',
      /^Prodigy: not restoring "restore-diff" \(started [^)]+\): uncommitted changes in two\.txt/,
    );
    assert.ok(blocked, JSON.stringify(messages.messages));
    assert.deepStrictEqual(blocked.items, ['Save and Restore']);
    assert.strictEqual(git(wt, 'rev-parse', 'HEAD'), head);
    assert.strictEqual(fs.readFileSync(path.join(wt, 'two.txt'), 'utf8'), 'edited while looking\n');

    // Put back as it was: the title's Restore to Here restores, closes the diff, and offers Resume and Undo.
    git(wt, 'checkout', '--', 'two.txt');
    const outcome = await exec<RestoreOutcome | undefined>('prodigy.restoreToHere', uri);
    assert.ok(outcome, JSON.stringify(messages.messages));
    assert.strictEqual(git(wt, 'rev-parse', 'HEAD'), rec.checkpoints[0].metadata.commit);
    assert.strictEqual(readRecord(home, id).status, 'Paused');
    await waitFor('the restore diff to close after the restore', () =>
      vscode.window.tabGroups.all.every((g) => g.tabs.every((t) => t.label !== tab.label)),
    );
    const done = messages.find('info', /^Prodigy: "restore-diff" \(started [^)]+\) restored to After 1 · /);
    assert.deepStrictEqual(done?.items, ['Resume', 'Undo Restore']);
  });

  it('the restored notification\'s Resume runs the steps again; the checkpoints it replaced are grouped under "Undone (2)"', async () => {
    const { id, wt, side } = await keptRun('restore-resume');
    const rec = readRecord(home, id);
    messages.answer = (m) => (/ restored to After 1 · /.test(m.text) ? 'Resume' : undefined);
    const outcome = await exec<RestoreOutcome | undefined>('prodigy.restoreCheckpoint', {
      sessionId: id,
      checkpointId: rec.checkpoints[0].id,
      confirm: true,
    });
    assert.ok(outcome, JSON.stringify(messages.messages));
    // Resume (clicked on the notification) runs steps 2 and 3 again.
    await waitFor('the resume to run steps 2 and 3 again', () => lines(side).join(',') === '1,2,3,2,3', 30_000);
    await waitFor(
      'the resume to record its steps',
      () => readRecord(home, id).workflow_data.completed_steps.length === 3,
    );
    assert.ok(exists(wt, 'three.txt'));

    // The first run's steps 2 and 3 were undone by the restore: under one collapsed row, still restorable.
    const rows = await waitFor('the new checkpoints in the tree', async () => {
      const r = await checkpointRows(id);
      return r.length === 5 ? r : undefined;
    });
    const labels = rows.map(({ item }) => label(item));
    assert.match(labels[0], /^After 1 · /);
    assert.match(labels[1], /^Before the restore to after step 1\/3 \([0-9a-f]{7}\)$/);
    assert.match(labels[2], /^After 2 · /);
    assert.match(labels[3], /^After 3 · /);
    assert.strictEqual(labels[4], 'Undone (2)');
    const group = rows[4];
    assert.strictEqual(group.item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const undone = (await a.tree.getChildren(group.node)).map((node) => ({ node, item: a.tree.getTreeItem(node) }));
    assert.deepStrictEqual(
      undone.map(({ item }) => label(item).replace(/ · .*/, '')),
      ['After 2', 'After 3'],
    );
    assert.deepStrictEqual(
      undone.map(({ node }) => (node as CheckpointNode).checkpoint.id),
      [rec.checkpoints[1].id, rec.checkpoints[2].id],
    );
    assert.ok(undone.every(({ item }) => item.contextValue?.startsWith('checkpoint;restorable;')));
    assert.strictEqual(a.tree.getParent(undone[0].node), group.node);
    // The step after a restore shows its own changes (from the step before it on its timeline, not the safety checkpoint).
    const again = await exec<ChangedFile[] | undefined>('prodigy.showCheckpointChanges', rows[2].node);
    assert.deepStrictEqual(
      again?.map((f) => `${f.status} ${f.path}`),
      ['A two.txt'],
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('cancelSession (Abandon Session…) abandons a Paused session and a session running here; it cannot be resumed', async () => {
    // Running here: the command stops it first.
    const { gate, id, run } = await startGatedRun('cancel-live');
    const cancelled = await exec<{ status: string } | undefined>('prodigy.cancelSession', {
      sessionId: id,
      confirm: true,
    });
    assert.strictEqual(cancelled?.status, 'Cancelled');
    assert.strictEqual((await run)?.status, 'Paused');
    fs.writeFileSync(gate, '');
    const rec = readRecord(home, id);
    assert.strictEqual(rec.status, 'Cancelled');
    assert.ok(rec.completed_at);
    assert.deepStrictEqual(rec.workflow_data.completed_steps, [0]);
    const row = await sessionRow(a, id);
    assert.match(String(row?.description), /^Cancelled/);
    assert.doesNotMatch(row?.contextValue ?? '', /;(resumable|live|abandonable);/);
    assert.strictEqual(
      await exec('prodigy.resumeSession', { sessionId: id, merge: 'keep', progress: false }),
      undefined,
    );
    assert.ok(
      messages.find(
        'error',
        /could not resume "cancel-live" \(started [^)]+\): Session \S+ was cancelled and cannot be resumed/,
      ),
      JSON.stringify(messages.messages),
    );

    // Paused: abandoned directly; without confirm the modal question is asked.
    const second = await startGatedRun('cancel-paused');
    await exec('prodigy.stopSession', second.id);
    assert.strictEqual((await second.run)?.status, 'Paused');
    fs.writeFileSync(second.gate, '');
    assert.strictEqual(
      await exec('prodigy.cancelSession', second.id),
      undefined,
      'dismissed question: nothing happens',
    );
    assert.ok(
      messages.find('warning', /^Abandon "cancel-paused" \(started [^)]+\)\? It cannot be resumed afterwards\.$/)
        ?.modal,
    );
    assert.strictEqual(readRecord(home, second.id).status, 'Paused');
    messages.answer = (m) => (m.items.includes('Abandon') ? 'Abandon' : undefined);
    assert.strictEqual(
      (await exec<{ status: string } | undefined>('prodigy.cancelSession', second.id))?.status,
      'Cancelled',
    );
    assert.strictEqual(readRecord(home, second.id).status, 'Cancelled');
  });

  it('deleteSession moves records aside; with removeWorktree it also removes the worktree and branch', async () => {
    const withWt = await keptRun();
    const keepWt = await keptRun();
    const removed = await exec<string[]>('prodigy.deleteSession', {
      sessionIds: [withWt.id],
      confirm: true,
      removeWorktree: true,
    });
    assert.deepStrictEqual(removed, [withWt.id]);
    assert.ok(!fs.existsSync(path.join(home, 'sessions', `${withWt.id}.json`)));
    assert.ok(!fs.existsSync(withWt.wt), 'the worktree folder is still there');
    assert.strictEqual(git(withWt.repo, 'branch', '--list', `prodigy-${withWt.id}`), '');
    const trash = fs.readdirSync(path.join(home, 'vscode', 'deleted'));
    assert.ok(
      trash.some((d) => d.startsWith(`${withWt.id}-`)),
      `not in the trash: ${trash.join(', ')}`,
    );
    assert.strictEqual(await sessionRow(a, withWt.id), undefined, 'the deleted session is still in the tree');

    // From the tree row with the modal answered "Delete": the worktree stays.
    messages.answer = (m) => (m.items.includes('Delete') ? 'Delete' : undefined);
    const node = a.tree.findSession(keepWt.id) ?? (await a.tree.loadUntil(keepWt.id));
    assert.ok(node);
    assert.deepStrictEqual(await exec('prodigy.deleteSession', node), [keepWt.id]);
    const asked = messages.find('warning', /^Delete "three-commits" \(started [^)]+\)\?/);
    assert.ok(asked?.modal, JSON.stringify(messages.messages));
    assert.match(asked.text, /has 3 unmerged commits\./);
    assert.ok(!fs.existsSync(path.join(home, 'sessions', `${keepWt.id}.json`)));
    assert.ok(fs.existsSync(keepWt.wt), 'plain Delete removed the worktree');
  });

  it('cleanUpSessions removes completed sessions older than the given age, with their worktrees, and keeps the rest', async () => {
    const old = await keptRun('old-run');
    const recent = await keptRun('recent-run');
    // Age the record as if it finished 30 days ago (the manager moves updated_at on every write, so edit the file).
    const file = path.join(home, 'sessions', `${old.id}.json`);
    const rec = JSON.parse(fs.readFileSync(file, 'utf8'));
    const longAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
    rec.updated_at = longAgo;
    rec.completed_at = longAgo;
    fs.writeFileSync(file, JSON.stringify(rec, null, 2));

    const cleaned = await exec<string[]>('prodigy.cleanUpSessions', { olderThanDays: 7, confirm: true });
    assert.deepStrictEqual(cleaned, [old.id]);
    assert.ok(!fs.existsSync(file));
    assert.ok(!fs.existsSync(old.wt), 'the old worktree is still there');
    assert.ok(fs.existsSync(path.join(home, 'sessions', `${recent.id}.json`)));
    assert.ok(fs.existsSync(recent.wt));
    assert.ok(messages.find('info', /cleaned up 1 session\./));
    assert.deepStrictEqual(await exec('prodigy.cleanUpSessions', { olderThanDays: 7, confirm: true }), []);
    assert.ok(messages.find('info', /no completed sessions older than 7 days\./));
  });

  it('offers once to resume a recent run of this workspace that stopped without finishing (its window closed)', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'the test host opens a workspace folder');
    const m = a.homes.current.manager;
    // As a run of ours leaves it when its window closes mid-step: Running, a log, no process.
    async function cutOff(name: string, workflowDir: string): Promise<string> {
      const s = await m.createSession({
        type: 'Workflow',
        workflowName: name,
        totalSteps: 3,
        metadata: { workflow_path: path.join(workflowDir, `${name}.yml`) },
      });
      await m.startSession(s.id);
      await m.updateSession(s.id, { workflow_data: { current_step: 1, completed_steps: [0] } });
      fs.mkdirSync(path.dirname(m.paths.sessionLogFile(s.id)), { recursive: true });
      fs.writeFileSync(m.paths.sessionLogFile(s.id), `=== run ${name}\n`);
      return s.id;
    }
    const ours = await cutOff('cut-off-here', path.join(folder, 'workflows'));
    await cutOff('cut-off-elsewhere', tempDir('prodigy-it-other-project-'));
    await rootRows(a);
    const offer = await waitFor('the offer to resume', () => messages.find('info', /without finishing/));
    assert.match(offer.text, /"cut-off-here" \(started [^)]+\) stopped at step 2\/3 without finishing/);
    assert.doesNotMatch(offer.text, /cut-off-elsewhere/, 'a run of another project is not offered here');
    assert.deepStrictEqual(offer.items, ['Resume', 'Show']);

    messages.clear();
    await rootRows(a);
    await sleep(300);
    assert.strictEqual(messages.find('info', /without finishing/), undefined, 'offered twice');
    assert.strictEqual(readRecord(home, ours).status, 'Running', 'an offer alone changes nothing');
  });

  it('migrateLegacySessions imports a legacy .prodigy/session_state.json once, and the tree shows it', async () => {
    const project = tempDir('prodigy-it-legacy-');
    fs.mkdirSync(path.join(project, '.prodigy'));
    fs.copyFileSync(
      path.join(PRODIGY_FIXTURES, 'legacy-session_state.json'),
      path.join(project, '.prodigy', 'session_state.json'),
    );
    const legacyId = JSON.parse(
      fs.readFileSync(path.join(PRODIGY_FIXTURES, 'legacy-session_state.json'), 'utf8'),
    ).session_id;
    const before = fs.readFileSync(path.join(project, '.prodigy', 'session_state.json'), 'utf8');

    const report = await exec<MigrationReport>('prodigy.migrateLegacySessions', { path: project });
    assert.deepStrictEqual(
      report.imported.map((i) => i.id),
      [legacyId],
    );
    const rec = readRecord(home, legacyId);
    assert.strictEqual(rec.status, 'Paused', 'an Interrupted legacy session waits to be resumed');
    assert.strictEqual(
      fs.readFileSync(path.join(project, '.prodigy', 'session_state.json'), 'utf8'),
      before,
      'the legacy file is untouched',
    );
    const row = await sessionRow(a, legacyId);
    assert.ok(row, 'the imported session is not in the tree');
    assert.match(String(row.description), /^Paused/);
    assert.ok(messages.find('info', /imported 1/));

    const again = await exec<MigrationReport>('prodigy.migrateLegacySessions', { path: project });
    assert.deepStrictEqual(again.imported, []);
    assert.deepStrictEqual(
      again.skipped.map((s) => s.id),
      [legacyId],
    );
  });

  it('a missing Claude CLI is one clear error naming the setting: the run does not start, no session is created', async () => {
    const missing = path.join(tempDir('prodigy-it-noclaude-'), 'no-such-claude');
    const restore = await setSetting('claude.command', missing);
    try {
      await waitFor('the setting to apply', () => a.settings().claude.command === missing);
      const repo = makeRepo();
      const sessionsBefore = sessionIdsOnDisk(home);
      const result = await exec('prodigy.runWorkflow', {
        file: workflowFile('name: needs-claude\ncommands:\n  - claude: "/echo hi"\n'),
        folder: repo,
        merge: 'keep',
        progress: false,
      });
      assert.strictEqual(result, undefined);
      assert.deepStrictEqual(sessionIdsOnDisk(home), sessionsBefore, 'a session was created');
      assert.strictEqual(git(repo, 'worktree', 'list').split('\n').length, 1, 'a worktree was created');
      const errors = messages.messages.filter((m) => m.level === 'error');
      assert.strictEqual(errors.length, 1, JSON.stringify(errors));
      assert.ok(errors[0].text.includes(`the Claude CLI \`${missing}\` was not found`), errors[0].text);
      assert.match(errors[0].text, /`prodigy\.claude\.command`/);
      assert.deepStrictEqual(errors[0].items, ['Open Setting']);
    } finally {
      await restore();
    }
    await waitFor('the fake claude setting to come back', () => a.settings().claude.command === FAKE_CLAUDE);
  });

  it('runWorkflowFile runs the file it is given (a Uri from the editor or explorer), in place when the folder is not a git repository', async () => {
    const folder = tempDir('prodigy-it-plain-');
    const file = writeWorkflow(
      folder,
      'in-place.workflow.yml',
      'name: in-place\ncommands:\n  - shell: "echo here > ran.txt"\n',
    );
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflowFile', { file, folder, progress: false });
    assert.strictEqual(outcome?.status, 'Completed', outcome?.error ?? JSON.stringify(messages.messages));
    assert.strictEqual(outcome.worktree, null);
    assert.strictEqual(fs.readFileSync(path.join(folder, 'ran.txt'), 'utf8'), 'here\n');
    assert.strictEqual(readRecord(home, outcome.sessionId).metadata.worktree, false);

    // A Uri (the editor title / explorer menu): the folder is the file's workspace folder, else the first one,
    // and the progress notification is shown.
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(ws, 'the test window has no workspace folder');
    const marker = `ran-from-uri-${Date.now()}.txt`;
    const viaUri = await exec<RunOutcome | undefined>(
      'prodigy.runWorkflowFile',
      vscode.Uri.file(
        writeWorkflow(folder, 'uri.workflow.yml', `name: from-uri\ncommands:\n  - shell: "echo uri > ${marker}"\n`),
      ),
    );
    try {
      assert.strictEqual(viaUri?.status, 'Completed', viaUri?.error ?? JSON.stringify(messages.messages));
      assert.strictEqual(fs.readFileSync(path.join(ws, marker), 'utf8'), 'uri\n');
      assert.strictEqual(readRecord(home, viaUri.sessionId).metadata.project_dir, ws);
    } finally {
      fs.rmSync(path.join(ws, marker), { force: true });
    }
  });

  it('revealSession shows the session in the Sessions view and selects it', async () => {
    const { id } = await keptRun('reveal-me');
    assert.strictEqual(await exec('prodigy.revealSession', id), true);
    await waitFor('the view to become visible', () => a.tree.view.visible);
    const selected = await waitFor('the session to be selected', () =>
      (a.tree.view.selection as SessionNode[]).find((n) => n.kind === 'session' && n.summary.id === id),
    );
    assert.strictEqual(selected.summary.workflow_name, 'reveal-me');
    assert.strictEqual(await exec('prodigy.revealSession', 'workflow-no-such-session'), false);
  });

  it('revealWorktree returns the worktree path at once and offers to open or copy it', async () => {
    const { id, wt } = await keptRun();
    const shown = deferred<string | undefined>();
    messages.answer = (m) => (m.items.includes('Copy Path') ? shown.promise : undefined);
    // The notification is still unanswered: the command must not wait for it.
    const result = await Promise.race([
      exec('prodigy.revealWorktree', id),
      new Promise((r) => setTimeout(() => r('timed out'), 5_000)),
    ]);
    assert.strictEqual(result, wt);
    const m = messages.find(
      'info',
      new RegExp(
        `^Prodigy: "three-commits" \\(started [^)]+\\) runs in ${wt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(branch prodigy-${id}\\)`,
      ),
    );
    assert.ok(m, JSON.stringify(messages.messages));
    assert.deepStrictEqual(m.items, ['Open in New Window', 'Copy Path']);
    shown.resolve(undefined);

    // A session that ran in place has no worktree.
    const folder = tempDir('prodigy-it-plain-');
    const inPlace = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file: writeWorkflow(folder, 'x.yml', '- shell: "true"\n'),
      folder,
      progress: false,
    });
    assert.ok(inPlace);
    assert.strictEqual(await exec('prodigy.revealWorktree', inPlace.sessionId), undefined);
    assert.ok(
      messages.find('info', /^Prodigy: "[^"]+" \(started [^)]+\) has no worktree/),
      JSON.stringify(messages.messages),
    );
  });

  it('the Sessions view commands: refresh, filter and clear, load more, open the record, copy the id, show the log, quarantine', async () => {
    const { id } = await keptRun('view-commands');
    // Refresh re-lists the root.
    const relisted = nextTreeChange(a, (n) => n === undefined);
    await exec('prodigy.refreshSessions');
    await relisted;

    // Filter by status and text, then clear.
    await exec('prodigy.filterSessions', { status: ['Completed'], text: 'view-commands' });
    let ids = (await rootRows(a)).map(({ item }) => item.id).filter((i) => i?.startsWith('session:'));
    assert.deepStrictEqual(ids, [`session:${id}`]);
    await exec('prodigy.filterSessions', { text: 'no such session anywhere' });
    const rows = await rootRows(a);
    assert.deepStrictEqual(
      rows.map(({ item }) => label(item)),
      ['No sessions match the filter'],
    );
    await exec('prodigy.clearFilter');
    ids = (await rootRows(a)).map(({ item }) => item.id).filter((i) => i?.startsWith('session:'));
    assert.ok(ids.length > 5, `clearing the filter shows every session (got ${ids.length})`);

    // Load more: with the smallest page, one click shows another page.
    const restorePage = await setSetting('sessions.pageSize', 10);
    try {
      await waitFor('the page size to apply', async () =>
        (await rootRows(a)).some(({ item }) => item.contextValue === 'loadMore;'),
      );
      const total = sessionIdsOnDisk(home).length;
      assert.ok(total > 10, `need more than 10 sessions for a second page (have ${total})`);
      await exec('prodigy.loadMoreSessions');
      const shown = (await rootRows(a)).filter(({ item }) => item.contextValue?.startsWith('session;')).length;
      assert.strictEqual(shown, Math.min(20, total));
    } finally {
      await restorePage();
    }

    // Open the record file and copy the id, as the row's menu does.
    const node = a.tree.findSession(id) ?? (await a.tree.loadUntil(id));
    assert.ok(node);
    await exec('prodigy.openSessionFile', node);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, path.join(home, 'sessions', `${id}.json`));
    assert.strictEqual(JSON.parse(vscode.window.activeTextEditor.document.getText()).id, id);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.env.clipboard.writeText('before');
    await exec('prodigy.copySessionId', node);
    assert.strictEqual(await vscode.env.clipboard.readText(), id);

    // Show Output Channel reveals the Prodigy output channel.
    const log = a.log as { show: (...args: unknown[]) => void };
    const show = log.show;
    let shownLog = 0;
    log.show = (...args: unknown[]) => {
      shownLog++;
      return show.apply(log, args);
    };
    try {
      await exec('prodigy.showLog');
    } finally {
      log.show = show;
    }
    assert.strictEqual(shownLog, 1);

    // Quarantine moves an unreadable file aside.
    const bad = path.join(home, 'sessions', 'workflow-garbled.json');
    fs.writeFileSync(bad, '{"id": "workflow-garbled", "sta');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(bad, old, old);
    assert.ok((await rootRows(a)).some(({ item }) => item.contextValue === 'unreadable;'));
    const result = await exec<{ moved: { from: string; to: string }[] }>('prodigy.quarantineUnreadable', {
      confirm: true,
    });
    assert.deepStrictEqual(
      result.moved.map((m) => m.from),
      [bad],
    );
    assert.ok(!fs.existsSync(bad));
    assert.ok(fs.existsSync(result.moved[0].to));
    assert.ok(!(await rootRows(a)).some(({ item }) => item.contextValue === 'unreadable;'));
  });

  it('a MapReduce job: row progress, failed items as children with their agent log, Retry Failed Items after the fix', async () => {
    const repo = makeRepo();
    const gate = path.join(path.dirname(repo), 'fixed');
    const items = JSON.stringify({ items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }).replace(/"/g, '\\"');
    const outcome = await runToEnd(
      `name: job
mode: mapreduce
setup:
  - shell: "printf '%s' '${items}' > items.json && git add items.json && git commit -qm items"
map:
  input: items.json
  json_path: "$.items[*]"
  max_parallel: 2
  agent_template:
    - shell: "echo working on \${item.name}; { test \${item.name} != b || test -f ${gate}; } && echo \${item.name} > \${item.name}.txt"
`,
      repo,
    );
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    const id = outcome.sessionId;
    const row = await waitFor('the job row', () => sessionRow(a, id));
    assert.match(String(row.description), /^Completed · (.+ · )?1 of 3 items failed · /);
    assert.match(row.contextValue ?? '', /;mapreduce;.*hasfailed;/);
    const node = a.tree.findSession(id)!;
    const children = await a.tree.getChildren(node);
    const failed = children.find((c) => c.id === `dlq:${id}:item_1`);
    assert.ok(failed, `no failed-item row; got ${children.map((c) => c.id).join(', ')}`);
    const item = a.tree.getTreeItem(failed);
    assert.match(label(item), /^b \(#2\)$/);
    assert.match(String(item.description), /^exit code 1 · working on b$/);
    const logUri = await exec<vscode.Uri>('prodigy.openAgentLog', failed);
    const doc = await waitFor('the agent log', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.toString() === logUri.toString()),
    );
    assert.match(doc.getText(), /working on b/);

    fs.writeFileSync(gate, '');
    const retried = await exec<RunOutcome | undefined>('prodigy.retryFailedItems', {
      sessionId: id,
      merge: 'keep',
      progress: false,
    });
    assert.ok(retried);
    assert.strictEqual(readRecord(home, id).mapreduce_data.failed_items, 0);
    const after = await a.tree.getChildren(a.tree.findSession(id)!);
    assert.ok(!after.some((c) => c.id === `dlq:${id}:item_1`), 'the retried item left the failed list');
    assert.strictEqual(fs.readFileSync(path.join(outcome.worktree!, 'b.txt'), 'utf8'), 'b\n');
  });

  // claude.test.ts (loaded before this file) drives the Claude commands through the same `exec`.
  it('has driven every command the manifest contributes, and prodigy.discardSessionWork', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.length > 20);
    assert.deepStrictEqual(
      [...contributed, 'prodigy.discardSessionWork'].filter((c) => !executed.has(c)),
      [],
    );
  });
});

// Restricted Mode. Only registered in the runner's second pass (test/host/run-integration.mjs sets
// PRODIGY_TEST_UNTRUSTED=1 and opens the folder with workspace trust enabled, so it is not trusted).
if (process.env.PRODIGY_TEST_UNTRUSTED === '1') {
  describe('Restricted Mode (untrusted workspace)', function () {
    this.timeout(60_000);
    let a: ProdigyExtensionApi;
    let home: string;
    let messages: MessageRecorder;
    const PAUSED = 'workflow-1736937555555'; // seeded by test/host/seedHome.mjs
    const COMPLETED = 'workflow-1736937999999';

    before(async () => {
      a = await api();
      home = a.homes.current.manager.home;
      messages = new MessageRecorder();
    });
    after(() => {
      messages.dispose();
      removeTempDirs();
    });
    beforeEach(() => messages.clear());

    it('runs in a window whose folder is not trusted', () => {
      assert.strictEqual(vscode.workspace.isTrusted, false, 'the folder is trusted: this pass tests nothing');
    });

    it('refuses to run, resume, restore or merge, with a warning that offers the trust settings; nothing changes on disk', async () => {
      const repo = makeRepo();
      const file = writeWorkflow(
        path.dirname(repo),
        'wf.yml',
        'name: not-here\ncommands:\n  - shell: "echo ran > ran.txt"\n',
      );
      const sessionsBefore = sessionIdsOnDisk(home);
      const pausedBefore = fs.readFileSync(path.join(home, 'sessions', `${PAUSED}.json`), 'utf8');
      const completedBefore = fs.readFileSync(path.join(home, 'sessions', `${COMPLETED}.json`), 'utf8');
      const cp = readRecord(home, PAUSED).checkpoints[0]?.id ?? 'checkpoint-none';

      const results = {
        runWorkflow: await exec('prodigy.runWorkflow', { file, folder: repo, merge: 'keep', progress: false }),
        runWorkflowFile: await exec('prodigy.runWorkflowFile', vscode.Uri.file(file)),
        resumeSession: await exec('prodigy.resumeSession', { sessionId: PAUSED, merge: 'keep', progress: false }),
        restoreCheckpoint: await exec('prodigy.restoreCheckpoint', {
          sessionId: PAUSED,
          checkpointId: cp,
          confirm: true,
        }),
        mergeSession: await exec('prodigy.mergeSession', COMPLETED),
      };
      assert.deepStrictEqual(results, {
        runWorkflow: undefined,
        runWorkflowFile: undefined,
        resumeSession: undefined,
        restoreCheckpoint: undefined,
        mergeSession: undefined,
      });
      const warnings = messages.messages.filter((m) => m.level === 'warning');
      assert.strictEqual(warnings.length, 5, JSON.stringify(messages.messages));
      for (const w of warnings) {
        assert.match(w.text, /only run in a trusted workspace/);
        assert.deepStrictEqual(w.items, ['Manage Workspace Trust']);
      }
      assert.ok(!messages.messages.some((m) => m.level === 'error'), JSON.stringify(messages.messages));
      assert.deepStrictEqual(sessionIdsOnDisk(home), sessionsBefore, 'a session was created');
      assert.ok(!fs.existsSync(path.join(repo, 'ran.txt')));
      assert.strictEqual(git(repo, 'worktree', 'list').split('\n').length, 1, 'a worktree was created');
      assert.strictEqual(fs.readFileSync(path.join(home, 'sessions', `${PAUSED}.json`), 'utf8'), pausedBefore);
      assert.strictEqual(fs.readFileSync(path.join(home, 'sessions', `${COMPLETED}.json`), 'utf8'), completedBefore);
    });

    it('still shows the sessions, under a Restricted Mode row that opens the trust settings', async () => {
      const rows = await rootRows(a);
      assert.strictEqual(rows[0].item.id, 'message:untrusted');
      assert.match(label(rows[0].item), /^Restricted Mode: sessions can be viewed; workflows do not run$/);
      assert.strictEqual((rows[0].item.command as vscode.Command | undefined)?.command, 'workbench.trust.manage');
      assert.ok(
        rows.some(({ item }) => item.id === `session:${PAUSED}`),
        'the seeded sessions are not listed',
      );
      // Viewing works: the log document opens.
      const uri = await exec<vscode.Uri>('prodigy.showSessionLog', PAUSED);
      assert.match(uri.toString(), new RegExp(`^prodigy-log:/${PAUSED}/[^/]+\\.log$`));
    });
  });
}
