// Runs whose engine is a detached `prodigy-vscode` process (prodigy.runs.detached, the default): the window
// follows the runner's events file, so the row, the status bar and the Output channel update live as they do for
// an in-window run; Stop signals the runner, which pauses the session itself; the RunOutcome is the runner's; the
// merge question is asked here after the runner is done; and a window that did not start a run (a reloaded one)
// attaches to it and shows it live. Real git, real processes, the runner being the bundled dist/cli.js.
import * as assert from 'assert';
import * as child from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
import {
  FAKE_CLAUDE,
  REPO_ROOT,
  MessageRecorder,
  api,
  exec,
  git,
  makeRepo,
  readRecord,
  removeTempDirs,
  sessionRow,
  setSetting,
  tempDir,
  useHome,
  waitFor,
  writeWorkflow,
} from './helpers/harness';

const lines = (file: string) =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Three steps, each committing a file and appending its number to `side`; step 2 waits for `gate`. */
function gatedWorkflow(name: string, side: string, gate: string): string {
  const step = (n: number, word: string, wait = '') =>
    `  - shell: "echo ${n} >> ${side}; ${wait}echo ${word} > ${word}.txt && git add ${word}.txt && git commit -qm ${word}"`;
  return [
    `name: ${name}`,
    'commands:',
    step(1, 'one'),
    step(2, 'two', `while [ ! -f ${gate} ]; do sleep 0.05; done; `),
    step(3, 'three'),
    '',
  ].join('\n');
}

describe('Detached runs', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let home: string;
  let wfDir: string;
  let messages: MessageRecorder;
  const restores: (() => Promise<void>)[] = [];
  const gates: string[] = [];

  before(async () => {
    a = await api();
    home = tempDir('prodigy-it-detached-home-');
    wfDir = tempDir('prodigy-it-detached-wf-');
    restores.push(await useHome(a, home));
    restores.push(await setSetting('claude.command', FAKE_CLAUDE));
    messages = new MessageRecorder();
  });

  after(async () => {
    for (const gate of gates) fs.writeFileSync(gate, '');
    for (const run of a.runs.active()) a.runs.stop(run.sessionId, a.homes.current.manager.paths);
    await waitFor('every run to stop', () => a.runs.active().length === 0).catch(() => undefined);
    messages?.dispose();
    for (const restore of restores.reverse()) await restore();
    removeTempDirs();
  });

  beforeEach(() => messages.clear());

  function gated(name: string) {
    const repo = makeRepo();
    const root = path.dirname(repo);
    const side = path.join(root, 'side.txt');
    const gate = path.join(root, 'gate');
    gates.push(gate);
    return { repo, side, gate, file: writeWorkflow(wfDir, `${name}.yml`, gatedWorkflow(name, side, gate)) };
  }

  const eventsFile = (id: string) => path.join(home, 'vscode', 'events', `${id}.jsonl`);

  it('is the default: the engine runs in its own process; row and status bar follow its events file live; Stop pauses it through the runner', async () => {
    assert.strictEqual(vscode.workspace.getConfiguration('prodigy').get('runs.detached'), true);
    const { repo, side, gate, file } = gated('detached-gated');
    const run = exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    await waitFor('step 2 to start', () => lines(side).length >= 2);
    const active = await waitFor('the run to register', () =>
      a.runs.active().find((r) => r.workflowName === 'detached-gated'),
    );
    const id = active.sessionId;
    // Not this extension host: a process of its own, which holds the session's resume lock.
    assert.ok(active.runner && active.runner !== process.pid, `runner pid ${active.runner}`);
    const lock = JSON.parse(fs.readFileSync(path.join(home, 'resume_locks', `${id}.lock`), 'utf8'));
    assert.strictEqual(lock.process_id, active.runner);
    assert.ok(fs.existsSync(eventsFile(id)), 'the events file is named after the session');

    // Live from the events file: step 2/3 on the row, the status bar, the editor's running file.
    await waitFor(
      'the status bar to show step 2',
      () => a.statusBar.item.text === '$(sync~spin) detached-gated · step 2/3',
    );
    const row = await waitFor('the row to show step 2 running', async () => {
      const r = await sessionRow(a, id);
      return r && /^Running · /.test(String(r.description)) && /;live;/.test(r.contextValue ?? '') ? r : undefined;
    });
    assert.match(row.contextValue ?? '', /^session;running;/);
    assert.strictEqual(a.runs.liveness(id, a.homes.current.manager.paths), 'here');

    // Stop: SIGINT to the runner, which pauses the session itself and exits.
    assert.strictEqual(a.runs.stop(id, a.homes.current.manager.paths), 'stopped');
    const outcome = await run;
    assert.ok(outcome);
    assert.strictEqual(outcome.sessionId, id);
    assert.strictEqual(outcome.status, 'Paused');
    assert.strictEqual(outcome.error, null);
    assert.ok(outcome.worktree && fs.existsSync(path.join(outcome.worktree, 'one.txt')));
    assert.strictEqual(outcome.logFile, a.homes.current.manager.paths.sessionLogFile(id));
    const rec = readRecord(home, id);
    assert.strictEqual(rec.status, 'Paused');
    assert.deepStrictEqual(rec.workflow_data.completed_steps, [0], 'the step in flight is not done');
    await waitFor('the runner to exit', () => !alive(active.runner!));
    assert.ok(!fs.existsSync(eventsFile(id)), 'the events file is removed once the run is over');
    assert.ok(messages.find('info', /"detached-gated" \(started [^)]+\) stopped/), JSON.stringify(messages.messages));
    // The runner is a CLI process, but its user is in VS Code: its log says what to do next in VS Code's words.
    const log = fs.readFileSync(outcome.logFile, 'utf8');
    assert.match(log, /before step 2 finished\. Resume it with "Prodigy: Resume Session…" or Resume on its row/, log);
    assert.doesNotMatch(log, /prodigy-vscode/, log);
    await waitFor('the status bar to show the pause', () => /paused · step 2\/3$/.test(a.statusBar.item.text));
    // The Output channel had the runner's lines (the tree's tooltip aside, this is where a user reads them).
    fs.writeFileSync(gate, '');
  });

  it('asks the merge question here once the runner is done, and merges in this window', async () => {
    const { repo, side, gate, file } = gated('detached-merge');
    fs.writeFileSync(gate, '');
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      merge: 'merge',
      progress: false,
    });
    assert.ok(outcome);
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    assert.strictEqual(outcome.merge?.status, 'merged', JSON.stringify(outcome.merge));
    assert.deepStrictEqual(lines(side), ['1', '2', '3']);
    assert.strictEqual(fs.readFileSync(path.join(repo, 'three.txt'), 'utf8'), 'three\n');
    assert.strictEqual(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.strictEqual(readRecord(home, outcome.sessionId).metadata.merge.status, 'merged');
  });

  it('a run this window did not start (a reloaded window) is attached to: shown live, then finished here', async () => {
    const { repo, side, gate, file } = gated('detached-attach');
    // As a window before its reload would have started it: the bundled CLI, detached, following its events.
    const events = path.join(home, 'vscode', 'events', 'new-attach-test.jsonl');
    fs.mkdirSync(path.dirname(events), { recursive: true });
    const runner = child.spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist', 'cli.js'),
        'run',
        file,
        '--path',
        repo,
        '--json',
        '--home',
        home,
        '--events',
        events,
      ],
      { detached: true, stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
    );
    runner.unref();
    await waitFor('step 2 to start', () => lines(side).length >= 2);
    const id = await waitFor('the events file to be named after the session', () =>
      fs.readdirSync(path.dirname(events)).find((n) => n.startsWith('workflow-') && n.endsWith('.jsonl')),
    ).then((n) => n.slice(0, -'.jsonl'.length));
    assert.strictEqual(a.runs.isRunningHere(id), false);

    assert.deepStrictEqual(a.runs.attach(a.homes.current.manager), [id]);
    await waitFor('the attached run to show step 2', () =>
      a.runs.active().find((r) => r.sessionId === id && r.step === 2 && r.total === 3),
    );
    assert.strictEqual(a.runs.active().find((r) => r.sessionId === id)?.runner, runner.pid);
    await waitFor(
      'the status bar to show it',
      () => a.statusBar.item.text === '$(sync~spin) detached-attach · step 2/3',
    );
    const row = await waitFor('its row to be live', async () => {
      const r = await sessionRow(a, id);
      return r && /;live;/.test(r.contextValue ?? '') ? r : undefined;
    });
    assert.match(String(row.description), /^Running · /);

    fs.writeFileSync(gate, '');
    await waitFor('the attached run to end here', () => !a.runs.isRunningHere(id));
    assert.strictEqual(readRecord(home, id).status, 'Completed');
    assert.ok(!fs.existsSync(eventsFile(id)), 'the events file is taken away by the window that finished it');
    // Its last word is the merge question (nobody answered it in advance), asked here, in the window that finished it.
    assert.ok(
      messages.find('info', /"detached-attach" \(started [^)]+\) finished with 3 new commits/),
      JSON.stringify(messages.messages),
    );
    const done = await waitFor('its row to say Completed', async () => {
      const r = await sessionRow(a, id);
      return r && /^Completed/.test(String(r.description)) ? r : undefined;
    });
    assert.doesNotMatch(done.contextValue ?? '', /;live;/);
  });

  it('with prodigy.runs.detached off, the engine runs in this extension host', async () => {
    const restore = await setSetting('runs.detached', false);
    try {
      const { repo, side, gate, file } = gated('in-window');
      const run = exec<RunOutcome | undefined>('prodigy.runWorkflow', {
        file,
        folder: repo,
        merge: 'keep',
        progress: false,
      });
      await waitFor('step 2 to start', () => lines(side).length >= 2);
      const active = await waitFor('the run to register', () =>
        a.runs.active().find((r) => r.workflowName === 'in-window'),
      );
      assert.strictEqual(active.runner, null);
      const lock = JSON.parse(fs.readFileSync(path.join(home, 'resume_locks', `${active.sessionId}.lock`), 'utf8'));
      assert.strictEqual(lock.process_id, process.pid);
      fs.writeFileSync(gate, '');
      const outcome = await run;
      assert.strictEqual(outcome?.status, 'Completed');
    } finally {
      await restore();
    }
  });
});
