// A run's life: fail → fix → resume (only the rest runs), Ctrl-C → Paused → resume, restore with
// its safety net and undo, merge and merge conflict, the resume lock, and a session shaped like
// real Prodigy's. Real git, real processes, real files.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_CLI, core, fixture, pretty } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { engineEnv, existsIn, readIn } from './helpers/engine.mjs';

hermeticGit({ before, after });

/** Each step appends its number to a file outside the worktree: proof of what ran, and how often. */
function sideEffectWorkflow(side, gate) {
  return `name: three-steps
commands:
  - shell: "echo 1 >> ${side} && echo one > one.txt && git add one.txt && git commit -qm one"
  - shell: "echo 2 >> ${side} && test -f ${gate} && echo two > two.txt && git add two.txt && git commit -qm two"
  - shell: "echo 3 >> ${side} && echo three > three.txt && git add three.txt && git commit -qm three"
`;
}

const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : []);

describe('fail, fix, resume', () => {
  it('a start killed while git made its worktree (a folder that is not a worktree yet) resumes from the first step', async (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow('- shell: "echo hi > hi.txt && git add hi.txt && git commit -qm hi"\n');
    // What the dead start left: the record (Initializing, no worktree recorded) and a half-made worktree folder.
    const s = await e.manager.createSession({
      type: 'Workflow',
      workflowName: 'dead-start',
      totalSteps: 1,
      metadata: {
        workflow_type: 'standard',
        workflow_path: wf,
        current_step: 0,
        project_dir: e.repo,
        args: [],
        worktree: true,
      },
    });
    const half = e.worktreePath(s.id);
    fs.mkdirSync(half, { recursive: true });
    fs.writeFileSync(path.join(half, 'partial'), '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: s.id, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.equal(fs.readFileSync(path.join(half, 'hi.txt'), 'utf8'), 'hi\n');
    assert.ok(!fs.existsSync(path.join(half, 'partial')), 'the half-made folder was made again');
  });

  it('a failing step leaves the session Failed with its error; after the fix, resume runs only the steps not done', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'fixed');
    const first = await e.runText(sideEffectWorkflow(side, gate));
    assert.equal(first.status, 'Failed');
    assert.match(first.error, /Step 'shell: echo 2 .*' failed with exit code 1/);
    const failed = e.record(first.sessionId);
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.error, first.error);
    assert.deepEqual(failed.workflow_data.completed_steps, [0]);
    assert.equal(failed.workflow_data.current_step, 1);
    const cpFailed = e.checkpointFile(first.sessionId);
    assert.equal(cpFailed.execution_state.status, 'Failed');
    assert.equal(cpFailed.variable_state.__failed_step_index, 1);

    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed');
    assert.deepEqual(lines(side), ['1', '2', '2', '3'], 'step 1 ran once; step 2 re-ran after the fix; step 3 once');
    const done = e.record(first.sessionId);
    assert.equal(done.status, 'Completed');
    assert.equal(done.error, null);
    assert.deepEqual(done.workflow_data.completed_steps, [0, 1, 2]);
    assert.equal(done.checkpoints.length, 3);
    assert.equal(e.checkpointFile(first.sessionId).execution_state.status, 'Completed');
    const wt = e.worktreePath(first.sessionId);
    assert.deepEqual(git(wt, 'log', '--format=%s').split('\n').slice(0, 3), ['three', 'two', 'one']);
  });

  it("an interrupted run's git locks (a commit killed with -9) are removed on resume, so its steps can commit again", async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'fixed');
    const first = await e.runText(sideEffectWorkflow(side, gate));
    assert.equal(first.status, 'Failed');
    const wt = e.worktreePath(first.sessionId);
    // What a run killed with -9 in the middle of step 2's `git commit` leaves: the record still Running, and
    // git's locks on the worktree's index and on the session branch, from before the resume.
    await e.manager.updateSession(first.sessionId, { status: 'Running', error: null });
    const gitDir = git(wt, 'rev-parse', '--absolute-git-dir');
    const branchLock = path.join(
      git(wt, 'rev-parse', '--path-format=absolute', '--git-common-dir'),
      `${git(wt, 'symbolic-ref', 'HEAD')}.lock`,
    );
    const locks = [path.join(gitDir, 'index.lock'), branchLock];
    const past = new Date(Date.now() - 60_000);
    for (const lock of locks) {
      fs.writeFileSync(lock, '');
      fs.utimesSync(lock, past, past);
    }
    // A lock of another branch is not the session's: it stays.
    const other = path.join(path.dirname(branchLock), 'someone-else.lock');
    fs.writeFileSync(other, '');
    fs.utimesSync(other, past, past);
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    for (const lock of locks) assert.ok(!fs.existsSync(lock), `${lock} was removed`);
    assert.ok(fs.existsSync(other), "another branch's lock is left alone");
    assert.deepEqual(git(wt, 'log', '--format=%s').split('\n').slice(0, 3), ['three', 'two', 'one']);
    const log = e.log(resumed);
    for (const lock of locks)
      assert.ok(log.includes(`Removed ${lock}: a git lock the interrupted run left behind`), log);
  });

  it('a Failed session (its run ended on its own) has no lock removed: one there is not its', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'fixed');
    const first = await e.runText(sideEffectWorkflow(side, gate));
    const wt = e.worktreePath(first.sessionId);
    const lock = path.join(git(wt, 'rev-parse', '--absolute-git-dir'), 'index.lock');
    fs.writeFileSync(lock, '');
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Failed');
    assert.match(resumed.error, /index\.lock/);
    assert.ok(fs.existsSync(lock));
  });

  it('refuses to resume a Completed or Cancelled session, with a clear message', async (t) => {
    const e = engineEnv(t);
    const ok = await e.runText('- shell: "true"\n');
    assert.equal(ok.status, 'Completed');
    await assert.rejects(
      core.resumeWorkflow({ manager: e.manager, sessionId: ok.sessionId }),
      /has already completed and cannot be resumed/,
    );
    const side = path.join(e.root, 'side.txt');
    const failed = await e.runText(sideEffectWorkflow(side, path.join(e.root, 'never')));
    await e.manager.updateSession(failed.sessionId, (s) => ({ ...s, status: 'Running' }));
    await e.manager.cancelSession(failed.sessionId);
    await assert.rejects(
      core.resumeWorkflow({ manager: e.manager, sessionId: failed.sessionId }),
      /was cancelled and cannot be resumed/,
    );
    await assert.rejects(
      core.resumeWorkflow({ manager: e.manager, sessionId: 'no-such-session' }),
      /Session not found: no-such-session/,
    );
    await assert.rejects(core.resumeWorkflow({ manager: e.manager, sessionId: '../etc' }), /Invalid session id/);
  });

  it("the resume lock refuses a second run of one session while the first is alive, and takes over a dead holder's lock", async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const failed = await e.runText(sideEffectWorkflow(side, path.join(e.root, 'gate')));
    const lockFile = path.join(e.home, 'resume_locks', `${failed.sessionId}.lock`);
    const holder = spawn('sleep', ['30']);
    t.after(() => holder.kill('SIGKILL'));
    fs.mkdirSync(path.dirname(lockFile), { recursive: true });
    const lock = {
      job_id: failed.sessionId,
      process_id: holder.pid,
      hostname: os.hostname(),
      acquired_at: new Date().toISOString(),
    };
    fs.writeFileSync(lockFile, pretty(lock));
    await assert.rejects(
      core.resumeWorkflow({ manager: e.manager, sessionId: failed.sessionId }),
      new RegExp(`already running or being resumed \\(PID ${holder.pid}`),
    );
    assert.equal(lines(side).length, 2, 'nothing ran');
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('exit', r));
    fs.writeFileSync(path.join(e.root, 'gate'), '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: failed.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed');
    assert.equal(fs.existsSync(lockFile), false, 'the lock is released');
  });
});

describe('a record that cannot be written', () => {
  it('stops the run at the next step after the failed write, with an error naming the file', async (t) => {
    const e = engineEnv(t, { git: false });
    const side = path.join(e.root, 'side.txt');
    // Step 2 puts a folder where the session record was: every later record write fails.
    // Step 3 outlasts the recorder's coalescing interval, so step 2's write is attempted meanwhile.
    // (Step 1's record write may land between rm and mkdir: then try again, or step 2 itself fails.)
    const run = e.runText(`commands:
  - shell: "echo 1 >> ${side}"
  - shell: "echo 2 >> ${side} && for f in ${e.home}/sessions/*.json; do until rm -f $f && mkdir $f 2>/dev/null; do :; done; done"
  - shell: "sleep 1 && echo 3 >> ${side}"
  - shell: "echo 4 >> ${side}"
  - shell: "echo 5 >> ${side}"
`);
    await assert.rejects(run, (err) => {
      assert.match(err.message, /sessions\/[^ ]+\.json/, 'the error names the record file');
      assert.doesNotMatch(err.stack.split('\n')[0], /^\s+at /);
      return true;
    });
    // Step 1's own write runs in the background during step 2, so it may be the one that fails
    // (then step 3 never starts); either way nothing runs past the step in flight.
    const ran = lines(side);
    assert.ok(ran.join() === '1,2' || ran.join() === '1,2,3', `steps that ran: ${ran.join()}`);
  });
});

describe('Ctrl-C', () => {
  it('SIGINT during a step leaves the session Paused with that step not done; resume finishes it', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'go');
    const wf = e.writeWorkflow(`name: interrupt-me
commands:
  - shell: "echo 1 >> ${side}"
  - shell: "echo 2 >> ${side}; while [ ! -f ${gate} ]; do sleep 0.05; done; echo two > two.txt"
  - shell: "echo 3 >> ${side}"
`);
    const child = spawn(process.execPath, [DIST_CLI, '--home', e.home, 'run', wf, '--path', e.repo], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
    t.after(() => child.kill('SIGKILL'));
    while (lines(side).length < 2) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const { code } = await exited;
    assert.equal(code, 130, `exit code; stderr: ${err}`);
    const id = /^Session: (\S+)$/m.exec(out)[1];
    const paused = e.record(id);
    assert.equal(paused.status, 'Paused');
    assert.deepEqual(paused.workflow_data.completed_steps, [0]);
    assert.equal(e.checkpointFile(id).execution_state.status, 'Interrupted');
    assert.equal(existsIn(e.worktreePath(id), 'two.txt'), false);

    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: id, merge: 'never' });
    assert.equal(resumed.status, 'Completed');
    assert.deepEqual(lines(side), ['1', '2', '2', '3']);
    assert.equal(readIn(e.worktreePath(id), 'two.txt'), 'two\n');
  });

  it('kill -9 of the runner after many quick steps: resume runs none of the finished steps again', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'go');
    const quick = Array.from({ length: 12 }, (_, i) => `  - shell: "echo ${i} >> ${side}"`).join('\n');
    const wf = e.writeWorkflow(
      `commands:\n${quick}\n  - shell: "echo wait >> ${side}; while [ ! -f ${gate} ]; do sleep 0.05; done"\n  - shell: "echo last >> ${side}"\n`,
    );
    const child = spawn(process.execPath, [DIST_CLI, '--home', e.home, 'run', wf, '--path', e.repo], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    const exited = new Promise((r) => child.on('exit', r));
    t.after(() => child.kill('SIGKILL'));
    while (!lines(side).includes('wait')) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const id = /^Session: (\S+)$/m.exec(out)[1];
    assert.equal(e.record(id).status, 'Running', 'a killed run cannot say anything else');
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: id, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(lines(side), [...Array.from({ length: 12 }, (_, i) => String(i)), 'wait', 'wait', 'last']);
    const rec = e.record(id);
    assert.deepEqual(
      rec.workflow_data.completed_steps,
      Array.from({ length: 14 }, (_, i) => i),
    );
    assert.equal(rec.checkpoints.length, 14, 'one checkpoint per step, none lost to the kill');
  });

  it('aborting through the API stops the running process group promptly', async (t) => {
    const e = engineEnv(t);
    const marker = path.join(e.root, 'grandchild-alive');
    const controller = new AbortController();
    const run = e.runText(`- shell: "(sleep 3; touch ${marker}) & sleep 30"\n`, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    const outcome = await run;
    assert.equal(outcome.status, 'Paused');
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(fs.existsSync(marker), false, 'the backgrounded grandchild was stopped with its group');
  });
});

describe('restore', () => {
  async function threeCommits(t) {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(`name: three-commits
commands:
  - shell: "echo one > one.txt && git add one.txt && git commit -qm one"
    capture_output: first
  - shell: "echo two > two.txt && git add two.txt && git commit -qm two"
  - shell: "echo three > three.txt && git add three.txt && git commit -qm three"
`);
    const outcome = await e.run(wf);
    assert.equal(outcome.status, 'Completed');
    return { e, id: outcome.sessionId, wt: e.worktreePath(outcome.sessionId) };
  }

  it('takes files and state back to the checkpoint, keeps untracked files, and can be undone', async (t) => {
    const { e, id, wt } = await threeCommits(t);
    const rec = e.record(id);
    const first = rec.checkpoints[0];
    assert.equal(first.metadata.step_index, 0);
    fs.writeFileSync(path.join(wt, 'notes.txt'), 'mine, untracked\n');
    const headBefore = git(wt, 'rev-parse', 'HEAD');

    const plan = await core.planRestore(e.manager, id, first.id);
    assert.deepEqual(plan.changes.map((c) => `${c.status} ${c.path}`).sort(), ['A three.txt', 'A two.txt']);
    assert.equal(plan.blocker, null);

    const outcome = await core.restoreCheckpoint(e.manager, id, first.id);
    assert.equal(outcome.session.status, 'Paused');
    assert.equal(outcome.session.workflow_data.current_step, 1);
    assert.deepEqual(outcome.session.workflow_data.completed_steps, [0]);
    assert.equal(git(wt, 'rev-parse', 'HEAD'), first.metadata.commit);
    assert.equal(existsIn(wt, 'two.txt'), false);
    assert.equal(existsIn(wt, 'three.txt'), false);
    assert.equal(readIn(wt, 'notes.txt'), 'mine, untracked\n', 'untracked file kept');
    assert.equal(
      git(
        wt,
        'rev-parse',
        `refs/prodigy/${id}/${git(wt, 'for-each-ref', '--format=%(refname:lstrip=3)', `refs/prodigy/${id}/`)}`,
      ),
      headBefore,
    );
    const cp = e.checkpointFile(id);
    assert.deepEqual(
      cp.completed_steps.map((s) => s.step_index),
      [0],
    );
    assert.equal(cp.execution_state.status, 'Interrupted');

    // Undo: the safety checkpoint brings everything back.
    const undo = await core.restoreCheckpoint(e.manager, id, outcome.safetyCheckpointId);
    assert.equal(git(wt, 'rev-parse', 'HEAD'), headBefore);
    assert.equal(readIn(wt, 'three.txt'), 'three\n');
    assert.deepEqual(undo.session.workflow_data.completed_steps, [0, 1, 2]);
    assert.equal(readIn(wt, 'notes.txt'), 'mine, untracked\n');
    assert.deepEqual(
      e.checkpointFile(id).completed_steps.map((s) => s.step_index),
      [0, 1, 2],
    );
  });

  it('marks the checkpoints a restore went back past as superseded, and follows an undo back', async (t) => {
    const { e, id } = await threeCommits(t);
    const [one, two, three] = e.record(id).checkpoints.map((c) => c.id);
    const superseded = async () =>
      (await e.manager.listCheckpoints(id)).checkpoints.filter((c) => c.superseded).map((c) => c.id);
    assert.deepEqual(await superseded(), [], 'one timeline: nothing superseded');

    const restore = await core.restoreCheckpoint(e.manager, id, one);
    assert.deepEqual(await superseded(), [two, three], 'the steps after the restored checkpoint');
    await core.resumeWorkflow({ manager: e.manager, sessionId: id, merge: 'never' });
    const rerun = (await e.manager.listCheckpoints(id)).checkpoints.filter(
      (c) => c.kind === 'session' && ![one, two, three, restore.safetyCheckpointId].includes(c.id),
    );
    assert.deepEqual(
      rerun.map((c) => c.step_index),
      [1, 2],
      'steps 2 and 3 ran again',
    );
    assert.deepEqual(await superseded(), [two, three], 'the re-run steps are the current timeline');

    // Undo the restore: back on the first timeline, the re-run is the one left behind.
    await core.restoreCheckpoint(e.manager, id, restore.safetyCheckpointId);
    assert.deepEqual(
      await superseded(),
      rerun.map((c) => c.id),
    );
  });

  it("a failed run resumed keeps one timeline: restoring a later step leaves the earlier run's steps current", async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'fixed');
    const first = await e.runText(sideEffectWorkflow(side, gate));
    assert.equal(first.status, 'Failed');
    fs.writeFileSync(gate, '');
    await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    const [one, two, three] = e.record(first.sessionId).checkpoints.map((c) => c.id);
    await core.restoreCheckpoint(e.manager, first.sessionId, two);
    const superseded = (await e.manager.listCheckpoints(first.sessionId)).checkpoints
      .filter((c) => c.superseded)
      .map((c) => c.id);
    assert.deepEqual(superseded, [three], `step 1 (before the failure) is still on the timeline (${one})`);
  });

  it('after a restore, resume runs the steps from the checkpoint on, with variables restored', async (t) => {
    const { e, id, wt } = await threeCommits(t);
    const second = e.record(id).checkpoints[1];
    await core.restoreCheckpoint(e.manager, id, second.id);
    assert.equal(existsIn(wt, 'three.txt'), false);
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: id, merge: 'never' });
    assert.equal(resumed.status, 'Completed');
    assert.equal(readIn(wt, 'three.txt'), 'three\n');
    assert.equal(e.record(id).workflow_data.variables.first, '', 'a capture from step 1 survived the restore');
    assert.deepEqual(git(wt, 'log', '--format=%s').split('\n').slice(0, 3), ['three', 'two', 'one']);
  });

  it('refuses when tracked files have uncommitted changes; --force saves them as a stash entry first', async (t) => {
    const { e, id, wt } = await threeCommits(t);
    const first = e.record(id).checkpoints[0];
    fs.writeFileSync(path.join(wt, 'two.txt'), 'edited by hand\n');
    await assert.rejects(
      core.restoreCheckpoint(e.manager, id, first.id),
      /Not restoring .*uncommitted changes in two\.txt.*Nothing was changed/,
    );
    assert.equal(readIn(wt, 'two.txt'), 'edited by hand\n');
    assert.equal(e.record(id).status, 'Completed', 'a refused restore changes nothing');

    const forced = await core.restoreCheckpoint(e.manager, id, first.id, { force: true });
    assert.match(forced.savedChanges, /^[0-9a-f]{40}$/);
    assert.equal(existsIn(wt, 'two.txt'), false);
    // The edit can be got back: undo the restore, then apply the saved stash.
    await core.restoreCheckpoint(e.manager, id, forced.safetyCheckpointId);
    git(wt, 'stash', 'apply', forced.savedChanges);
    assert.equal(readIn(wt, 'two.txt'), 'edited by hand\n');
  });

  it('an untracked file the checkpoint would overwrite blocks the restore; --force copies it aside', async (t) => {
    const { e, id, wt } = await threeCommits(t);
    const rec = e.record(id);
    git(wt, 'rm', '-q', 'two.txt');
    git(wt, 'commit', '-qm', 'drop two');
    fs.writeFileSync(path.join(wt, 'two.txt'), 'precious\n');
    // Restoring "after step 2" brings two.txt back as a tracked file.
    await assert.rejects(
      core.restoreCheckpoint(e.manager, id, rec.checkpoints[1].id),
      /untracked files the checkpoint would overwrite: two\.txt/,
    );
    const forced = await core.restoreCheckpoint(e.manager, id, rec.checkpoints[1].id, { force: true });
    assert.equal(readIn(forced.backupDir, 'two.txt'), 'precious\n');
  });

  it('a session that ran in place refuses when the branch moved since its last checkpoint', async (t) => {
    const e = engineEnv(t);
    const outcome = await e.runText(
      `- shell: "echo a > a.txt && git add a.txt && git commit -qm a"
- shell: "echo b > b.txt && git add b.txt && git commit -qm b"
`,
      { worktree: false },
    );
    assert.equal(outcome.status, 'Completed');
    assert.equal(outcome.worktree, null);
    const first = e.record(outcome.sessionId).checkpoints[0];
    fs.writeFileSync(path.join(e.repo, 'c.txt'), 'c\n');
    git(e.repo, 'add', 'c.txt');
    git(e.repo, 'commit', '-qm', 'user work');
    await assert.rejects(
      core.restoreCheckpoint(e.manager, outcome.sessionId, first.id),
      /moved since the session's last checkpoint/,
    );
    assert.equal(readIn(e.repo, 'c.txt'), 'c\n');
    const forced = await core.restoreCheckpoint(e.manager, outcome.sessionId, first.id, { force: true });
    assert.equal(existsIn(e.repo, 'b.txt'), false);
    await core.restoreCheckpoint(e.manager, outcome.sessionId, forced.safetyCheckpointId);
    assert.equal(readIn(e.repo, 'c.txt'), 'c\n', "undo brings the user's commit back");
  });

  it('refuses a restore while a run holds the session', async (t) => {
    const { e, id } = await threeCommits(t);
    const first = e.record(id).checkpoints[0];
    await e.manager.updateSession(id, (s) => s); // no-op write
    const holder = spawn('sleep', ['30']);
    t.after(() => holder.kill('SIGKILL'));
    fs.mkdirSync(path.join(e.home, 'resume_locks'), { recursive: true });
    fs.writeFileSync(
      path.join(e.home, 'resume_locks', `${id}.lock`),
      pretty({ job_id: id, process_id: holder.pid, hostname: os.hostname(), acquired_at: new Date().toISOString() }),
    );
    await assert.rejects(core.restoreCheckpoint(e.manager, id, first.id), /already running/);
  });
});

describe('merge back', () => {
  it('merges the session branch into the original branch', async (t) => {
    const e = engineEnv(t);
    const outcome = await e.runText(
      '- shell: "echo feature > feature.txt && git add feature.txt && git commit -qm feature"\n',
      { merge: 'always' },
    );
    assert.equal(outcome.status, 'Completed');
    assert.equal(outcome.merge.status, 'merged');
    assert.equal(readIn(e.repo, 'feature.txt'), 'feature\n');
    assert.equal(e.record(outcome.sessionId).metadata.merge.status, 'merged');
  });

  it('a conflict stops with a clear message and loses nothing: checkout unchanged, branch and worktree intact', async (t) => {
    const e = engineEnv(t);
    const outcome = await e.runText('- shell: "echo session > README.md && git commit -qam session-edit"\n');
    assert.equal(outcome.merge.status, 'kept');
    fs.writeFileSync(path.join(e.repo, 'README.md'), 'main\n');
    git(e.repo, 'commit', '-qam', 'main-edit');
    const mainHead = git(e.repo, 'rev-parse', 'HEAD');
    const merged = await core.mergeSession({ manager: e.manager, sessionId: outcome.sessionId });
    assert.equal(merged.status, 'conflict');
    assert.deepEqual(merged.conflicts, ['README.md']);
    assert.match(merged.message, /conflicts in README\.md.*intact on prodigy-/);
    assert.equal(git(e.repo, 'rev-parse', 'HEAD'), mainHead);
    assert.equal(readIn(e.repo, 'README.md'), 'main\n');
    assert.equal(git(e.repo, 'status', '--porcelain'), '');
    assert.equal(readIn(e.worktreePath(outcome.sessionId), 'README.md'), 'session\n');
    assert.ok(git(e.repo, 'branch', '--list', `prodigy-${outcome.sessionId}`));
    assert.equal(e.record(outcome.sessionId).metadata.merge.status, 'conflict');
  });

  it("runs the workflow's own merge steps with merge.* variables", async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'merge.txt');
    const outcome = await e.runText(
      `commands:
  - shell: "echo x > x.txt && git add x.txt && git commit -qm x"
merge:
  - shell: "echo \${merge.source_branch} '->' \${merge.target_branch} > ${side}"
`,
      { merge: 'always' },
    );
    assert.equal(outcome.merge.status, 'merged');
    assert.equal(fs.readFileSync(side, 'utf8'), `prodigy-${outcome.sessionId} -> main\n`);
    assert.equal(existsIn(e.repo, 'x.txt'), false, 'custom merge steps replace the default merge');
  });
});

describe('sessions written by real Prodigy', () => {
  it('resumes a Prodigy-shaped session (record + checkpoint file + worktree) at the first step its checkpoint does not list', async (t) => {
    const e = engineEnv(t);
    const id = 'workflow-1736937000123';
    const side = path.join(e.root, 'side.txt');
    const wf = e.writeWorkflow(`- shell: "echo 1 >> ${side}"
- shell: "echo 2 >> ${side}"
- shell: "echo 3 >> ${side} && echo \${shell.output:-none} > seen.txt"
`);
    // The layout prodigy leaves: H/worktrees/{repo}/{id} on prodigy-{id}, metadata beside it.
    const wt = path.join(e.home, 'worktrees', 'repo', id);
    git(e.repo, 'worktree', 'add', '-q', '-b', `prodigy-${id}`, wt);
    const meta = fixture('worktree-metadata.in_progress.json');
    fs.mkdirSync(path.join(e.home, 'worktrees', 'repo', '.metadata'), { recursive: true });
    fs.writeFileSync(
      path.join(e.home, 'worktrees', 'repo', '.metadata', `${id}.json`),
      pretty({ ...meta, session_id: id, worktree_name: id, branch: `prodigy-${id}`, original_branch: 'main' }),
    );
    e.writeSession({ ...fixture('unified-session.workflow.paused.json'), id });
    const cp = fixture('workflow-checkpoint.running.json');
    cp.workflow_path = wf;
    cp.variable_state['shell.output'] = 'from prodigy';
    fs.mkdirSync(path.join(e.home, 'state', id, 'checkpoints'), { recursive: true });
    fs.writeFileSync(path.join(e.home, 'state', id, 'checkpoints', `${cp.workflow_id}.checkpoint.json`), pretty(cp));
    assert.deepEqual(
      cp.completed_steps.map((s) => s.step_index),
      [0, 1],
    );

    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: id, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(lines(side), ['3'], 'only the step Prodigy had not done');
    assert.equal(readIn(wt, 'seen.txt'), 'from prodigy\n', "variables from Prodigy's checkpoint");
    const rec = e.record(id);
    assert.equal(rec.status, 'Completed');
    assert.deepEqual(rec.workflow_data.completed_steps, [0, 1, 2]);
  });

  it('a session we wrote has what `prodigy resume` needs: record, a checkpoint file naming the workflow, and the worktree where it looks', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const failed = await e.runText(sideEffectWorkflow(side, path.join(e.root, 'gate')));
    const dir = path.join(e.home, 'state', failed.sessionId, 'checkpoints');
    const files = fs.readdirSync(dir).filter((n) => n.endsWith('.checkpoint.json'));
    assert.equal(files.length, 1);
    const cp = core.WorkflowCheckpoint.parse(JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')));
    assert.equal(fs.existsSync(cp.workflow_path), true);
    assert.equal(cp.version, 1);
    assert.deepEqual(
      cp.completed_steps.map((s) => s.step_index),
      [0],
    );
    assert.ok(fs.statSync(path.join(e.home, 'worktrees', 'repo', failed.sessionId)).isDirectory());
    assert.equal(core.UnifiedSession.parse(e.record(failed.sessionId)).status, 'Failed');
  });
});
