// SessionManager API: records, lifecycle helpers, checkpoints, listing filters, errors, ids.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  core,
  fixture,
  fixtureText,
  tempHome,
  makeSession,
  listTree,
  pretty,
  withFrozenClock,
  FIXTURE_WORKFLOW_ID,
  FIXTURE_MAPREDUCE_ID,
} from './helpers/env.mjs';

const {
  SessionNotFoundError,
  SessionExistsError,
  InvalidIdError,
  IllegalTransitionError,
  CheckpointNotFoundError,
  ProdigyError,
  UnifiedSession,
} = core;

function isNotFound(id) {
  return (err) => {
    assert.ok(err instanceof SessionNotFoundError, `SessionNotFoundError, got ${err?.name}: ${err?.message}`);
    assert.ok(err.message.includes(id), `message names ${id}: ${err.message}`);
    return true;
  };
}

describe('createSession / getSession', () => {
  it("creates a Workflow session with Prodigy's id spelling and a complete record on disk", async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({
      type: 'Workflow',
      workflowName: 'implement',
      totalSteps: 4,
      worktreeName: 'wt-1',
      metadata: { custom: 'x' },
    });
    assert.match(s.id, /^workflow-\d{13}$/);
    assert.equal(s.status, 'Initializing');
    assert.equal(s.session_type, 'Workflow');
    assert.equal(s.completed_at, null);
    assert.equal(s.error, null);
    assert.equal(s.mapreduce_data, null);
    assert.deepEqual(s.workflow_data, {
      workflow_id: s.id,
      workflow_name: 'implement',
      current_step: 0,
      total_steps: 4,
      completed_steps: [],
      variables: {},
      iterations_completed: 0,
      files_changed: 0,
      worktree_name: 'wt-1',
    });
    assert.equal(s.metadata.custom, 'x');
    assert.equal(s.metadata.total_steps, 4);
    assert.match(s.metadata.execution_start_time, /\+00:00$/);
    assert.deepEqual(h.readSessionJson(s.id), s);
    assert.deepEqual(await m.getSession(s.id), s);
  });

  it('creates MapReduce sessions as session-<uuid>, and distinct ids back to back', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const mr = await m.createSession({
      type: 'MapReduce',
      jobId: 'mapreduce-20250115_110002',
      workflowName: 'fix-issues',
    });
    assert.match(mr.id, /^session-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(mr.workflow_data, null);
    assert.equal(mr.mapreduce_data.job_id, 'mapreduce-20250115_110002');
    assert.equal(mr.mapreduce_data.phase, 'Setup');
    assert.equal(mr.metadata.workflow_name, 'fix-issues');
    const ids = new Set();
    for (let i = 0; i < 5; i++) ids.add((await m.createSession({ type: 'Workflow' })).id);
    assert.equal(ids.size, 5, 'workflow-{ms} ids never collide');
    const listed = (await m.listSessions()).sessions.map((s) => s.id);
    assert.equal(listed.length, 6);
  });

  it('refuses to create over an existing session', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    await m.createSession({ id: 'wf-dup', type: 'Workflow', workflowName: 'first' });
    const before = h.readSessionText('wf-dup');
    await assert.rejects(
      m.createSession({ id: 'wf-dup', type: 'Workflow', workflowName: 'second' }),
      SessionExistsError,
    );
    assert.equal(h.readSessionText('wf-dup'), before);
  });

  it('getSession returns a copy the caller may mutate', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ id: 'wf-copy', type: 'Workflow' });
    const a = await m.getSession(s.id);
    a.status = 'Completed';
    a.metadata.mutated = true;
    const b = await m.getSession(s.id);
    assert.equal(b.status, 'Initializing');
    assert.equal(b.metadata.mutated, undefined);
  });

  it('reads a session Prodigy wrote (fixture) as it is', async (t) => {
    const h = tempHome(t);
    h.writeSession(fixtureText('unified-session.workflow.paused.json'), `${FIXTURE_WORKFLOW_ID}.json`);
    const m = h.manager();
    assert.deepEqual(await m.getSession(FIXTURE_WORKFLOW_ID), fixture('unified-session.workflow.paused.json'));
    assert.equal(await m.exists(FIXTURE_WORKFLOW_ID), true);
    assert.equal(await m.exists('workflow-0'), false);
  });
});

describe('updateSession', () => {
  it('patch form merges metadata, timings and workflow_data field-wise', async (t) => {
    const h = tempHome(t);
    h.writeSession(fixtureText('unified-session.workflow.running.json'), `${FIXTURE_WORKFLOW_ID}.json`);
    const m = h.manager();
    const next = await m.updateSession(FIXTURE_WORKFLOW_ID, {
      metadata: { files_changed_delta: 3, new_key: 'v' },
      timings: { 'shell: cargo test': { secs: 2, nanos: 500 } },
      workflow_data: { current_step: 2, completed_steps: [0, 1] },
      error: 'something',
    });
    assert.equal(next.metadata.files_changed_delta, 3);
    assert.equal(next.metadata.new_key, 'v');
    assert.equal(next.metadata.workflow_type, 'standard', 'other metadata kept');
    assert.deepEqual(Object.keys(next.timings), ['claude: /prodigy-implement-spec $ARG', 'shell: cargo test']);
    assert.equal(next.workflow_data.current_step, 2);
    assert.deepEqual(next.workflow_data.completed_steps, [0, 1]);
    assert.equal(next.workflow_data.workflow_name, 'implement-feature', 'other workflow_data kept');
    assert.equal(next.error, 'something');
    assert.deepEqual(h.readSessionJson(FIXTURE_WORKFLOW_ID), next);
    const cleared = await m.updateSession(FIXTURE_WORKFLOW_ID, { error: null });
    assert.equal(cleared.error, null);
  });

  it('function form gets the current record and its result is written', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ id: 'wf-fn', type: 'Workflow' });
    const next = await m.updateSession(s.id, (cur) => {
      assert.equal(cur.id, s.id);
      cur.metadata.counter = (cur.metadata.counter ?? 0) + 1; // in-place mutation of the given copy
      return { ...cur, workflow_data: { ...cur.workflow_data, files_changed: 7 } };
    });
    assert.equal(next.metadata.counter, 1);
    assert.equal(next.workflow_data.files_changed, 7);
    const again = await m.updateSession(s.id, (cur) => ({
      ...cur,
      metadata: { ...cur.metadata, counter: cur.metadata.counter + 1 },
    }));
    assert.equal(again.metadata.counter, 2);
    assert.equal(h.readSessionJson(s.id).metadata.counter, 2);
  });

  it('refuses updates that would break the record, writing nothing', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    h.writeSession(fixtureText('unified-session.mapreduce-typed.json'), `${FIXTURE_MAPREDUCE_ID}.json`);
    const before = h.readSessionText(FIXTURE_MAPREDUCE_ID);
    await assert.rejects(m.updateSession(FIXTURE_MAPREDUCE_ID, { workflow_data: { current_step: 1 } }), ProdigyError);
    await assert.rejects(
      m.updateSession(FIXTURE_MAPREDUCE_ID, (s) => ({ ...s, id: 'other-id' })),
      /id/,
    );
    await assert.rejects(
      m.updateSession(FIXTURE_MAPREDUCE_ID, (s) => ({ ...s, mapreduce_data: { ...s.mapreduce_data, phase: 'Bogus' } })),
    );
    await assert.rejects(m.updateSession(FIXTURE_MAPREDUCE_ID, (s) => ({ ...s, metadata: 'not an object' })));
    assert.equal(h.readSessionText(FIXTURE_MAPREDUCE_ID), before);
    const ok = await m.updateSession(FIXTURE_MAPREDUCE_ID, { mapreduce_data: { processed_items: 5 } });
    assert.equal(ok.mapreduce_data.processed_items, 5);
    assert.equal(ok.mapreduce_data.total_items, 10);
  });

  it('emits change events for its own writes and deletes', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const events = [];
    const off = m.onDidChange((e) => events.push(e));
    const s = await m.createSession({ id: 'wf-events', type: 'Workflow' });
    await m.updateSession(s.id, { status: 'Running' });
    await m.deleteSession(s.id);
    off();
    await m.createSession({ id: 'wf-after-off', type: 'Workflow' });
    assert.deepEqual(
      events.map((e) => [e.kind, e.id, e.external]),
      [
        ['upsert', 'wf-events', false],
        ['upsert', 'wf-events', false],
        ['delete', 'wf-events', false],
      ],
    );
    assert.equal(events[1].summary.status, 'Running');
  });

  it('refreshSessions re-reads just the named records another process changed, with an external event each', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const other = h.manager();
    await m.createSession({ id: 'wf-watched', type: 'Workflow' });
    await m.createSession({ id: 'wf-other', type: 'Workflow' });
    await m.listSessions();
    await other.updateSession('wf-watched', { status: 'Running' });
    await other.updateSession('wf-other', { status: 'Running' });
    const events = [];
    const off = m.onDidChange((e) => events.push(e));
    await m.refreshSessions(['wf-watched']);
    await m.refreshSessions(['wf-watched']);
    off();
    assert.deepEqual(
      events.map((e) => [e.kind, e.id, e.external, e.summary?.status]),
      [['upsert', 'wf-watched', true, 'Running']],
      'one event for the changed record named, none for the unchanged re-check or the one not named',
    );
  });
});

describe('deleteSession', () => {
  it('moves the record and its state folder to H/vscode/deleted and forgets the session', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ id: 'wf-del', type: 'Workflow' });
    await m.createCheckpoint(s.id, { step_index: 0 });
    fs.mkdirSync(path.join(h.stateDir, s.id, 'checkpoints'), { recursive: true });
    fs.writeFileSync(
      path.join(h.stateDir, s.id, 'checkpoints', 'workflow-1.checkpoint.json'),
      fixtureText('workflow-checkpoint.running.json'),
    );
    await m.createSession({ id: 'wf-keep', type: 'Workflow' });
    const recordBytes = h.readSessionText(s.id);
    assert.equal((await m.listSessions()).total, 2);

    const { movedTo } = await m.deleteSession(s.id);
    assert.ok(movedTo.startsWith(path.join(h.home, 'vscode', 'deleted') + path.sep), movedTo);
    assert.equal(fs.readFileSync(path.join(movedTo, `${s.id}.json`), 'utf8'), recordBytes);
    assert.ok(fs.existsSync(path.join(movedTo, 'state', 'checkpoints', 'workflow-1.checkpoint.json')));
    assert.equal(fs.readdirSync(path.join(movedTo, 'state', 'snapshots')).length, 1);
    assert.equal(fs.existsSync(h.sessionFile(s.id)), false);
    assert.equal(fs.existsSync(path.join(h.stateDir, s.id)), false);
    await assert.rejects(m.getSession(s.id), isNotFound(s.id));
    const listing = await m.listSessions();
    assert.deepEqual(
      listing.sessions.map((x) => x.id),
      ['wf-keep'],
    );
    assert.equal(listing.total, 1);
    assert.deepEqual(listing.unreadable, []);
    await assert.rejects(m.deleteSession(s.id), isNotFound(s.id));
    // A fresh manager (cold cache, persisted index) agrees.
    m.close();
    assert.deepEqual(
      (await h.manager().listSessions()).sessions.map((x) => x.id),
      ['wf-keep'],
    );
  });

  it('deletes Prodigy checkpoint files that have no session record (state folder only)', async (t) => {
    const h = tempHome(t);
    const dir = path.join(h.stateDir, 'workflow-123', 'checkpoints');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'workflow-456.checkpoint.json'), fixtureText('workflow-checkpoint.running.json'));
    const m = h.manager();
    const { movedTo } = await m.deleteSession('workflow-123');
    assert.ok(fs.existsSync(path.join(movedTo, 'state', 'checkpoints', 'workflow-456.checkpoint.json')));
    assert.equal(fs.existsSync(path.join(h.stateDir, 'workflow-123')), false);
    await assert.rejects(m.listCheckpoints('workflow-123'), SessionNotFoundError);
  });

  it('deleting a re-created id twice within one second keeps both deleted copies', async (t) => {
    // Deleted copies go to H/vscode/deleted/{id}-{stamp}; the stamp has one-second resolution.
    // The clock is frozen so both deletions happen "in the same second" deterministically.
    const h = tempHome(t);
    const m = h.manager();
    const moved = [];
    const errors = [];
    await withFrozenClock(async () => {
      for (const round of [1, 2]) {
        await m.createSession({ id: 'wf-again', type: 'Workflow', metadata: { round } });
        await m.createCheckpoint('wf-again', { step_index: round });
        try {
          moved.push((await m.deleteSession('wf-again')).movedTo);
        } catch (err) {
          errors.push(`round ${round}: ${err.message}`);
          break;
        }
      }
    });
    assert.deepEqual(errors, [], 'both deletions succeed');
    assert.equal(fs.existsSync(h.sessionFile('wf-again')), false, 'record moved away');
    assert.equal(fs.existsSync(path.join(h.stateDir, 'wf-again')), false, 'state moved away');
    assert.notEqual(moved[0], moved[1], 'two different trash folders');
    const rounds = moved.map(
      (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'wf-again.json'), 'utf8')).metadata.round,
    );
    assert.deepEqual(rounds, [1, 2], 'each deletion kept its own copy');
  });
});

describe('lifecycle helpers', () => {
  it('start, pause, resume, complete (success and failure) and cancel', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ id: 'wf-life', type: 'Workflow' });
    assert.equal((await m.startSession(s.id)).status, 'Running');
    assert.equal((await m.pauseSession(s.id)).status, 'Paused');
    assert.equal((await m.pauseSession(s.id)).status, 'Paused', 'pausing twice is harmless');
    assert.equal((await m.resumeSession(s.id)).status, 'Running');
    const failed = await m.completeSession(s.id, { success: false, error: 'step 2 failed' });
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.error, 'step 2 failed');
    assert.ok(failed.completed_at);
    const resumed = await m.resumeSession(s.id);
    assert.equal(resumed.status, 'Running');
    assert.equal(resumed.error, null, 'resume clears the error');
    assert.equal(resumed.completed_at, null);
    const done = await m.completeSession(s.id);
    assert.equal(done.status, 'Completed');
    assert.equal(done.error, null);
    assert.ok(done.completed_at);
    assert.equal(h.readSessionJson(s.id).status, 'Completed');
    await assert.rejects(m.cancelSession(s.id), IllegalTransitionError);
    await assert.rejects(m.pauseSession(s.id), IllegalTransitionError);

    const c = await m.createSession({ id: 'wf-cancel', type: 'Workflow' });
    const cancelled = await m.cancelSession(c.id);
    assert.equal(cancelled.status, 'Cancelled');
    assert.ok(cancelled.completed_at);
  });
});

describe('checkpoints', () => {
  async function runningWithProgress(m, id) {
    await m.createSession({ id, type: 'Workflow', workflowName: 'cp', totalSteps: 4 });
    await m.startSession(id);
    return m.updateSession(id, { workflow_data: { current_step: 1, completed_steps: [0], variables: { A: '1' } } });
  }

  it('createCheckpoint writes a snapshot under H/state/{id}/snapshots and a small entry in the record', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const id = 'wf-cp';
    const before = await runningWithProgress(m, id);
    const summary = await m.createCheckpoint(id, {
      step_index: 1,
      step_name: 'shell: cargo test',
      total_steps: 4,
      commit: 'abc1234def',
      label: 'tests pass',
      state: { extra: [1, 2] },
    });
    assert.match(summary.id, /^checkpoint-[0-9a-f-]{36}$/);
    assert.equal(summary.kind, 'session');
    assert.equal(summary.step_index, 1);
    assert.equal(summary.step_name, 'shell: cargo test');
    assert.equal(summary.total_steps, 4);
    assert.equal(summary.commit, 'abc1234def');
    assert.equal(summary.label, 'tests pass');

    const snapFile = path.join(h.stateDir, id, 'snapshots', `${summary.id}.snapshot.json`);
    assert.ok(fs.existsSync(snapFile), 'snapshot file written');
    const snap = JSON.parse(fs.readFileSync(snapFile, 'utf8'));
    assert.equal(snap.session_id, id);
    assert.equal(snap.checkpoint_id, summary.id);
    assert.deepEqual(snap.workflow_data, before.workflow_data);
    assert.deepEqual(snap.state, { extra: [1, 2] });

    const record = h.readSessionJson(id);
    assert.equal(record.checkpoints.length, 1);
    assert.equal(record.checkpoints[0].id, summary.id);
    assert.equal(record.checkpoints[0].metadata.state, undefined, 'the big state stays out of the record');
    assert.equal(record.checkpoints[0].metadata.step_index, 1);
    assert.ok(UnifiedSession.safeParse(record).success);

    // H/sessions holds nothing but session records.
    assert.deepEqual(fs.readdirSync(h.sessionsDir), [`${id}.json`]);
    // No other *.json anywhere that Prodigy would take for a session or a workflow checkpoint.
    const jsonFiles = listTree(h.home).filter((f) => f.endsWith('.json') && !f.startsWith('vscode/'));
    assert.deepEqual(jsonFiles, [`sessions/${id}.json`, `state/${id}/snapshots/${summary.id}.snapshot.json`]);

    const { checkpoints, unreadable } = await m.listCheckpoints(id);
    assert.deepEqual(unreadable, []);
    assert.equal(checkpoints.length, 1);
    assert.deepEqual(checkpoints[0], summary);
    assert.equal((await m.listSessions()).sessions[0].checkpoints, 1);
    assert.deepEqual((await m.loadCheckpointSnapshot(id, summary.id)).workflow_data, before.workflow_data);
  });

  it('restoreCheckpoint rewinds workflow_data and pauses; refused while Running', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const id = 'wf-restore';
    const atCheckpoint = await runningWithProgress(m, id);
    const cp = await m.createCheckpoint(id, { step_index: 1 });
    await m.updateSession(id, {
      workflow_data: { current_step: 3, completed_steps: [0, 1, 2], variables: { A: '2', B: 'x' } },
    });

    const bytes = h.readSessionText(id);
    await assert.rejects(m.restoreCheckpoint(id, cp.id), (err) => {
      assert.ok(err instanceof IllegalTransitionError, err?.message);
      assert.match(err.message, /Running/);
      return true;
    });
    assert.equal(h.readSessionText(id), bytes, 'refused restore writes nothing');

    await m.pauseSession(id);
    const restored = await m.restoreCheckpoint(id, cp.id);
    assert.equal(restored.status, 'Paused');
    assert.deepEqual(restored.workflow_data, atCheckpoint.workflow_data);
    assert.equal(restored.metadata.restored_from_checkpoint, cp.id);
    assert.equal(restored.completed_at, null);
    assert.equal(restored.checkpoints.length, 1, 'the checkpoint itself stays');
    assert.deepEqual(h.readSessionJson(id), restored);

    // From a terminal state too: a rewind, then Paused.
    await m.resumeSession(id);
    await m.completeSession(id);
    const again = await m.restoreCheckpoint(id, cp.id);
    assert.equal(again.status, 'Paused');
    assert.equal(again.completed_at, null);

    await assert.rejects(
      m.restoreCheckpoint(id, 'checkpoint-does-not-exist'),
      (err) => err instanceof CheckpointNotFoundError && err.message.includes('checkpoint-does-not-exist'),
    );
    await assert.rejects(m.restoreCheckpoint(id, '../../sessions/x'), InvalidIdError);
  });

  it('restoreCheckpoint rewinds MapReduce progress too', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ type: 'MapReduce', jobId: 'mapreduce-1' });
    await m.startSession(s.id);
    const at = await m.updateSession(s.id, { mapreduce_data: { phase: 'Map', total_items: 10, processed_items: 4 } });
    const cp = await m.createCheckpoint(s.id, { label: 'map 4/10' });
    await m.updateSession(s.id, { mapreduce_data: { phase: 'Reduce', processed_items: 10, failed_items: 2 } });
    await m.completeSession(s.id, { success: false, error: 'reduce failed' });
    const restored = await m.restoreCheckpoint(s.id, cp.id);
    assert.equal(restored.status, 'Paused');
    assert.equal(restored.error, null);
    assert.deepEqual(restored.mapreduce_data, at.mapreduce_data);
    assert.equal(restored.workflow_data, null);
  });

  it('restoring an embedded checkpoint written by Prodigy (no snapshot) fails with a clear message', async (t) => {
    const h = tempHome(t);
    const id = 'workflow-1736937000777';
    const cpId = `checkpoint-${randomUUID()}`;
    h.writeSession(
      makeSession(id, {
        status: 'Failed',
        completed_at: '2025-01-15T10:32:02.775010031Z',
        error: 'boom',
        checkpoints: [
          {
            id: cpId,
            created_at: '2025-01-15T10:32:02.775123456Z',
            state: { workflow_state: { current_step: 1 } },
            metadata: {},
          },
        ],
      }),
    );
    const m = h.manager();
    const { checkpoints } = await m.listCheckpoints(id);
    assert.equal(
      checkpoints[0].label,
      'session state when the run failed (at step 2)',
      'step read from the legacy state',
    );
    const bytes = h.readSessionText(id);
    await assert.rejects(
      m.restoreCheckpoint(id, cpId),
      (err) => err instanceof ProdigyError && /snapshot/.test(err.message),
    );
    assert.equal(h.readSessionText(id), bytes);
  });

  it('listCheckpoints includes Prodigy workflow checkpoint files from H/state/{id}/checkpoints', async (t) => {
    const h = tempHome(t);
    h.writeSession(fixtureText('unified-session.workflow.running.json'), `${FIXTURE_WORKFLOW_ID}.json`);
    const dir = path.join(h.stateDir, FIXTURE_WORKFLOW_ID, 'checkpoints');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'workflow-1736937000456.checkpoint.json'),
      fixtureText('workflow-checkpoint.running.json'),
    );
    fs.writeFileSync(path.join(dir, 'workflow-1736937000999.checkpoint.json'), '{"workflow_id": "trunc');
    fs.writeFileSync(path.join(dir, 'workflow-1736937000456.checkpoint.tmp'), 'partial');
    const m = h.manager();
    await m.updateSession(FIXTURE_WORKFLOW_ID, { status: 'Paused' });
    const ours = await m.createCheckpoint(FIXTURE_WORKFLOW_ID, { step_index: 2, label: 'mine' });

    const { checkpoints, unreadable } = await m.listCheckpoints(FIXTURE_WORKFLOW_ID);
    assert.deepEqual(
      checkpoints.map((c) => c.id),
      ['workflow-1736937000456', ours.id],
      'oldest first',
    );
    const file = checkpoints[0];
    assert.equal(file.kind, 'workflow-file');
    assert.equal(file.step_index, 2);
    assert.equal(file.total_steps, 3);
    assert.equal(file.status, 'Running');
    assert.equal(file.step_name, 'shell: cargo test');
    assert.equal(file.label, 'default');
    assert.equal(file.created_at, '2025-01-15T10:33:15.531004480Z');
    assert.equal(file.file, path.join(dir, 'workflow-1736937000456.checkpoint.json'));
    assert.equal(unreadable.length, 1);
    assert.equal(unreadable[0].file, path.join(dir, 'workflow-1736937000999.checkpoint.json'));
    assert.match(unreadable[0].reason, /JSON/);
  });

  it('listCheckpoints works for checkpoint files without a session record, else SessionNotFoundError', async (t) => {
    const h = tempHome(t);
    const dir = path.join(h.stateDir, 'workflow-123', 'checkpoints');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'workflow-456.checkpoint.json'), fixtureText('workflow-checkpoint.running.json'));
    const m = h.manager();
    const { checkpoints } = await m.listCheckpoints('workflow-123');
    assert.deepEqual(
      checkpoints.map((c) => c.id),
      ['workflow-456'],
    );
    await assert.rejects(m.listCheckpoints('workflow-nothing'), isNotFound('workflow-nothing'));
  });
});

describe('listSessions filters', () => {
  const ids = {
    A: FIXTURE_WORKFLOW_ID, // Running, 2025-01-15T10:30
    B: FIXTURE_MAPREDUCE_ID, // MapReduce-typed, Running, 2025-01-15T11:00
    C: `session-${'6f1c2b9e-8d4a-4c3e-9b7a-2e5f1d0c8a41'}`, // MapReduce run typed Workflow, Paused, 01-16
    D: 'workflow-1736800000000', // Completed, worktree wt-feature, 01-14
    E: 'workflow-1736700000000', // Failed with error, 01-13
    F: 'workflow-1737072000000', // Initializing, 01-17, +00:00 spelling
    G: 'workflow-1736600000000', // typed Workflow but carries mapreduce_data, 01-12
  };

  function seed(h) {
    h.writeSession(fixtureText('unified-session.workflow.running.json'), `${ids.A}.json`);
    h.writeSession(fixtureText('unified-session.mapreduce-typed.json'), `${ids.B}.json`);
    const wfOnly = (id, name, extra = {}) => ({
      workflow_id: id,
      workflow_name: name,
      current_step: 0,
      total_steps: 0,
      completed_steps: [],
      variables: {},
      iterations_completed: 0,
      files_changed: 0,
      worktree_name: null,
      ...extra,
    });
    h.writeSession(
      makeSession(ids.C, {
        status: 'Paused',
        started_at: '2025-01-16T08:00:00.5Z',
        metadata: {},
        workflow_data: wfOnly(ids.C, ''),
      }),
    );
    h.writeSession(
      makeSession(ids.D, {
        status: 'Completed',
        started_at: '2025-01-14T09:00:00Z',
        completed_at: '2025-01-14T09:10:00Z',
        workflow_data: wfOnly(ids.D, 'release', { worktree_name: 'wt-feature' }),
      }),
    );
    h.writeSession(
      makeSession(ids.E, {
        status: 'Failed',
        started_at: '2025-01-13T09:00:00Z',
        completed_at: '2025-01-13T09:10:00Z',
        error: 'Cargo test failed: 3 tests',
        workflow_data: wfOnly(ids.E, 'nightly'),
      }),
    );
    h.writeSession(
      makeSession(ids.F, {
        status: 'Initializing',
        started_at: '2025-01-17T00:00:00.000000000+00:00',
        workflow_data: wfOnly(ids.F, 'fresh'),
      }),
    );
    const mr = fixture('unified-session.mapreduce-typed.json').mapreduce_data;
    h.writeSession(
      makeSession(ids.G, {
        session_type: 'Workflow',
        status: 'Paused',
        started_at: '2025-01-12T09:00:00Z',
        workflow_data: null,
        mapreduce_data: { ...mr, job_id: 'mapreduce-g' },
      }),
    );
  }
  const names = (listing) => listing.sessions.map((s) => Object.keys(ids).find((k) => ids[k] === s.id));

  it('lists everything newest first with summaries', async (t) => {
    const h = tempHome(t);
    seed(h);
    const m = h.manager();
    const all = await m.listSessions();
    assert.deepEqual(names(all), ['F', 'C', 'B', 'A', 'D', 'E', 'G']);
    assert.equal(all.total, 7);
    assert.deepEqual(all.unreadable, []);
    const b = all.sessions.find((s) => s.id === ids.B);
    assert.equal(b.session_type, 'MapReduce');
    assert.equal(b.recorded_type, 'MapReduce');
    assert.deepEqual(b.mapreduce, {
      job_id: 'mapreduce-20250115_110002',
      phase: 'Setup',
      total_items: 10,
      processed_items: 4,
      failed_items: 0,
      agent_count: 0,
    });
    const g = all.sessions.find((s) => s.id === ids.G);
    assert.equal(g.session_type, 'MapReduce', 'effective type from the data');
    assert.equal(g.recorded_type, 'Workflow');
    const a = all.sessions.find((s) => s.id === ids.A);
    assert.equal(a.workflow_name, 'implement-feature');
    assert.equal(a.total_steps, 3, 'from metadata when workflow_data says 0 (§2.2)');
    assert.equal(a.checkpoints, 0);
    assert.equal(a.file, h.sessionFile(ids.A));
  });

  it('filters by status (one or several)', async (t) => {
    const h = tempHome(t);
    seed(h);
    const m = h.manager();
    assert.deepEqual(names(await m.listSessions({ status: 'Paused' })), ['C', 'G']);
    assert.deepEqual(names(await m.listSessions({ status: ['Running', 'Initializing'] })), ['F', 'B', 'A']);
    assert.deepEqual(names(await m.listSessions({ status: 'Cancelled' })), []);
  });

  it('filters by effective type', async (t) => {
    const h = tempHome(t);
    seed(h);
    const m = h.manager();
    assert.deepEqual(names(await m.listSessions({ type: 'MapReduce' })), ['B', 'G']);
    assert.deepEqual(names(await m.listSessions({ type: 'Workflow' })), ['F', 'C', 'A', 'D', 'E']);
  });

  it('filters by started_at bounds, inclusive', async (t) => {
    const h = tempHome(t);
    seed(h);
    const m = h.manager();
    assert.deepEqual(names(await m.listSessions({ after: new Date('2025-01-15T10:30:00.125Z') })), [
      'F',
      'C',
      'B',
      'A',
    ]);
    assert.deepEqual(names(await m.listSessions({ before: new Date('2025-01-14T09:00:00Z') })), ['D', 'E', 'G']);
    assert.deepEqual(
      names(
        await m.listSessions({ after: new Date('2025-01-13T09:00:00Z'), before: new Date('2025-01-15T11:00:02.004Z') }),
      ),
      ['B', 'A', 'D', 'E'],
    );
  });

  it('filters by worktree and by text (case-insensitive)', async (t) => {
    const h = tempHome(t);
    seed(h);
    const m = h.manager();
    assert.deepEqual(names(await m.listSessions({ worktree: 'wt-feature' })), ['D']);
    assert.deepEqual(names(await m.listSessions({ text: 'CARGO' })), ['E']);
    assert.deepEqual(names(await m.listSessions({ text: 'Implement' })), ['A']);
    assert.deepEqual(names(await m.listSessions({ text: '0d3f7e21' })), ['B']);
    assert.deepEqual(names(await m.listSessions({ text: 'wt-feat' })), ['D']);
    assert.deepEqual(names(await m.listSessions({ text: 'no-such-thing' })), []);
  });

  it('applies limit/offset after filtering and reports the total', async (t) => {
    const h = tempHome(t);
    seed(h);
    const m = h.manager();
    const page = await m.listSessions({ limit: 2, offset: 1 });
    assert.deepEqual(names(page), ['C', 'B']);
    assert.equal(page.total, 7);
    const filtered = await m.listSessions({ type: 'Workflow', limit: 2, offset: 4 });
    assert.deepEqual(names(filtered), ['E']);
    assert.equal(filtered.total, 5);
    assert.deepEqual(names(await m.listSessions({ limit: 0 })), []);
  });

  it('getActiveSessions returns Initializing, Running and Paused ones', async (t) => {
    const h = tempHome(t);
    seed(h);
    const m = h.manager();
    const active = await m.getActiveSessions();
    assert.deepEqual(
      active.map((s) => s.id),
      [ids.F, ids.C, ids.B, ids.A, ids.G],
    );
  });

  it('lists nothing (and creates nothing) for an empty home', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const listing = await m.listSessions();
    assert.deepEqual(listing, { sessions: [], total: 0, unreadable: [] });
    assert.equal(fs.existsSync(h.sessionsDir), false);
  });
});

describe('errors: unknown and invalid ids', () => {
  it('unknown ids raise SessionNotFoundError naming the id, everywhere', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const id = 'workflow-404';
    await assert.rejects(m.getSession(id), isNotFound(id));
    await assert.rejects(m.updateSession(id, { metadata: { a: 1 } }), isNotFound(id));
    await assert.rejects(
      m.updateSession(id, (s) => s),
      isNotFound(id),
    );
    await assert.rejects(m.deleteSession(id), isNotFound(id));
    await assert.rejects(m.startSession(id), isNotFound(id));
    await assert.rejects(m.completeSession(id), isNotFound(id));
    await assert.rejects(m.createCheckpoint(id, {}), isNotFound(id));
    await assert.rejects(m.restoreCheckpoint(id, 'checkpoint-1'), isNotFound(id));
    await assert.rejects(m.listCheckpoints(id), isNotFound(id));
    await assert.rejects(m.loadCheckpointSnapshot(id, 'checkpoint-1'), isNotFound(id));
    assert.equal(fs.existsSync(h.sessionFile(id)), false, 'nothing was created');
  });

  for (const bad of [
    '../x',
    'a/b',
    '..',
    '',
    '.',
    '/etc/passwd',
    '..\\x',
    'a\\b',
    '.hidden',
    'a..b',
    'x'.repeat(201),
    'with space',
    'nul\0byte',
  ]) {
    it(`id ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 10)}…(${bad.length})` : bad)} is refused with InvalidIdError and nothing is written`, async (t) => {
      const h = tempHome(t);
      const m = h.manager();
      await m.createSession({ id: 'wf-good', type: 'Workflow' });
      const treeBefore = listTree(h.root).filter((f) => !f.startsWith('home/vscode/'));
      const isInvalid = (err) => {
        assert.ok(err instanceof InvalidIdError, `InvalidIdError, got ${err?.name}: ${err?.message}`);
        return true;
      };
      await assert.rejects(m.createSession({ id: bad, type: 'Workflow' }), isInvalid);
      await assert.rejects(m.getSession(bad), isInvalid);
      await assert.rejects(m.updateSession(bad, { metadata: { x: 1 } }), isInvalid);
      await assert.rejects(m.deleteSession(bad), isInvalid);
      await assert.rejects(m.startSession(bad), isInvalid);
      await assert.rejects(m.createCheckpoint(bad, {}), isInvalid);
      await assert.rejects(m.listCheckpoints(bad), isInvalid);
      await assert.rejects(m.restoreCheckpoint(bad, 'checkpoint-1'), isInvalid);
      await assert.rejects(m.exists(bad), isInvalid);
      await assert.rejects(m.importSession(makeSession(bad)), isInvalid);
      const treeAfter = listTree(h.root).filter((f) => !f.startsWith('home/vscode/'));
      assert.deepEqual(treeAfter, treeBefore, 'no file created or moved, inside or outside the home');
      assert.deepEqual(
        listTree(h.root).filter((f) => !f.startsWith('home')),
        [],
        'nothing beside the home',
      );
      assert.deepEqual(
        (await m.listSessions()).sessions.map((s) => s.id),
        ['wf-good'],
      );
    });
  }

  it("isSafeId accepts Prodigy's id spellings", () => {
    for (const ok of [
      FIXTURE_WORKFLOW_ID,
      FIXTURE_MAPREDUCE_ID,
      'mapreduce-20250115_110002',
      'checkpoint-0d3f7e21-44b9-4a8e-8c61-93b7f0a2c5d4',
      'a',
      'A_b.c-1',
    ]) {
      assert.equal(core.isSafeId(ok), true, ok);
    }
    for (const bad of ['../x', 'a/b', '..', '', '.x', 'a..b', 42, null, undefined])
      assert.equal(core.isSafeId(bad), false, String(bad));
  });
});

it('pretty() helper matches what the manager writes (guards the round-trip helpers)', async (t) => {
  const h = tempHome(t);
  const m = h.manager();
  const s = await m.createSession({ id: 'wf-pretty', type: 'Workflow' });
  assert.equal(h.readSessionText(s.id), pretty(s));
});
