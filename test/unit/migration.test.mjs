// migrate(): legacy .prodigy/session_state.json, record-less workflow checkpoints and MapReduce
// job state become sessions; the user's files are only read, never moved, renamed or deleted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { core, fixture, fixtureText, tempHome, pretty, makeSession, listTree } from './helpers/env.mjs';

const LEGACY_ID = 'session-2f0d9a7c-1b1e-4f55-a0f3-7c9d2e6b5a10';
const MR_SESSION_ID = 'session-6f1c2b9e-8d4a-4c3e-9b7a-2e5f1d0c8a41';
const JOB_ID = 'mapreduce-1736938802004';

function project(h) {
  const dir = path.join(h.root, 'my-app');
  fs.mkdirSync(path.join(dir, '.prodigy'), { recursive: true });
  return dir;
}

function putLegacy(dir, name = 'session_state.json', text = fixtureText('legacy-session_state.json')) {
  const file = path.join(dir, '.prodigy', name);
  fs.writeFileSync(file, text);
  return file;
}

function putWorkflowCheckpoint(
  h,
  sessionDir = 'workflow-123',
  name = 'workflow-456',
  value = fixture('workflow-checkpoint.running.json'),
) {
  const dir = path.join(h.stateDir, sessionDir, 'checkpoints');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.checkpoint.json`);
  fs.writeFileSync(file, typeof value === 'string' ? value : pretty(value));
  return file;
}

function putJob(h) {
  const dir = path.join(h.stateDir, 'my-app', 'mapreduce', 'jobs', JOB_ID);
  fs.mkdirSync(dir, { recursive: true });
  const older = fixture('mapreduce-job.checkpoint-v2.json');
  older.checkpoint_version = 1;
  older.successful_count = 0;
  older.failed_count = 0;
  fs.writeFileSync(path.join(dir, 'checkpoint-v1.json'), pretty(older));
  const file = path.join(dir, 'checkpoint-v2.json');
  fs.writeFileSync(file, fixtureText('mapreduce-job.checkpoint-v2.json'));
  return file;
}

/** sha256 of every file under dir, keyed by relative path. */
function snapshotTree(dir) {
  const out = {};
  for (const rel of listTree(dir)) {
    if (rel.endsWith('/')) out[rel] = 'dir';
    else
      out[rel] = createHash('sha256')
        .update(fs.readFileSync(path.join(dir, rel)))
        .digest('hex');
  }
  return out;
}

describe('migrate: legacy session_state.json', () => {
  it('imports the legacy session under its id, Interrupted → Paused, steps and workflow path kept', async (t) => {
    const h = tempHome(t);
    const dir = project(h);
    const legacyFile = putLegacy(dir);
    const projectBefore = snapshotTree(dir);
    const m = h.manager();
    const report = await core.migrate(m, { projectDir: dir });
    assert.deepEqual(report.found, { workflow: 1, mapreduce: 0 });
    assert.deepEqual(report.imported, [{ id: LEGACY_ID, type: 'Workflow', source: legacyFile }]);
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(report.failed, []);

    const s = await m.getSession(LEGACY_ID);
    assert.equal(s.status, 'Paused');
    assert.equal(s.session_type, 'Workflow');
    assert.equal(s.completed_at, null);
    assert.equal(s.started_at, '2024-11-02T14:05:11.902331Z');
    assert.deepEqual(s.workflow_data.completed_steps, [0]);
    assert.equal(s.workflow_data.current_step, 1);
    assert.equal(s.workflow_data.worktree_name, LEGACY_ID);
    assert.equal(s.metadata.workflow_path, '/home/alice/projects/my-app/workflows/code-review.yml');
    assert.equal(s.metadata.legacy_session_id, LEGACY_ID);
    assert.equal(s.metadata.started_by, 'migrated');
    assert.equal(s.metadata.iterations_completed, 2);
    assert.equal(s.metadata.files_changed, 7);
    assert.deepEqual(s.metadata.errors, ['Command failed: claude /prodigy-code-review']);
    assert.deepEqual(s.timings['claude: /prodigy-code-review'], { secs: 121, nanos: 900210000 });
    const text = h.readSessionText(LEGACY_ID);
    assert.equal(text, pretty(JSON.parse(text)));
    assert.ok(core.UnifiedSession.safeParse(JSON.parse(text)).success);

    // The user's files: still there, byte for byte; no rename to .prodigy_migrated.
    assert.equal(fs.readFileSync(legacyFile, 'utf8'), fixtureText('legacy-session_state.json'));
    assert.deepEqual(snapshotTree(dir), projectBefore);
    assert.equal(fs.existsSync(path.join(dir, '.prodigy_migrated')), false);
  });

  it('running migrate again imports nothing (skipped)', async (t) => {
    const h = tempHome(t);
    const dir = project(h);
    putLegacy(dir);
    const m = h.manager();
    await core.migrate(m, { projectDir: dir });
    await m.updateSession(LEGACY_ID, { metadata: { touched_after_import: true } });
    const recordBefore = h.readSessionText(LEGACY_ID);
    const again = await core.migrate(m, { projectDir: dir });
    assert.deepEqual(again.found, { workflow: 1, mapreduce: 0 });
    assert.deepEqual(again.imported, []);
    assert.equal(again.skipped.length, 1);
    assert.equal(again.skipped[0].id, LEGACY_ID);
    assert.match(again.skipped[0].reason, /already exists/);
    assert.equal(h.readSessionText(LEGACY_ID), recordBefore, 'an existing record is never overwritten');
  });

  it('maps every legacy status; picks session_*.json but not hyphenated backups; reports unreadable ones', async (t) => {
    const h = tempHome(t);
    const dir = project(h);
    const base = fixture('legacy-session_state.json');
    const variant = (id, status) => pretty({ ...base, session_id: id, status });
    putLegacy(dir, 'session_completed.json', variant('legacy-completed', 'Completed'));
    putLegacy(dir, 'session_failed.json', variant('legacy-failed', 'Failed'));
    putLegacy(dir, 'session_inprogress.json', variant('legacy-inprogress', 'InProgress'));
    putLegacy(dir, 'session_weird.json', variant('legacy-weird', 'SomethingNew'));
    putLegacy(dir, 'session-0b6c1f7e-backup.json', variant('legacy-backup', 'Completed')); // hyphen: not a candidate
    putLegacy(dir, 'session_broken.json', '{"session_id": "legacy-broken", "status": ');
    putLegacy(dir, 'session_badid.json', variant('../escape', 'Completed'));
    const m = h.manager();
    const report = await core.migrate(m, { projectDir: dir });
    assert.deepEqual(report.imported.map((i) => i.id).sort(), [
      'legacy-completed',
      'legacy-failed',
      'legacy-inprogress',
      'legacy-weird',
    ]);
    assert.deepEqual(report.failed.map((f) => path.basename(f.file)).sort(), [
      'session_badid.json',
      'session_broken.json',
    ]);
    assert.equal(await m.exists('legacy-backup'), false);

    const completed = await m.getSession('legacy-completed');
    assert.equal(completed.status, 'Completed');
    assert.equal(completed.completed_at, base.ended_at);
    const failed = await m.getSession('legacy-failed');
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.error, 'Command failed: claude /prodigy-code-review');
    assert.ok(failed.completed_at);
    assert.equal((await m.getSession('legacy-inprogress')).status, 'Paused');
    assert.equal((await m.getSession('legacy-weird')).status, 'Paused');
    assert.equal(fs.existsSync(path.join(h.home, 'escape.json')), false, 'an unsafe legacy id never becomes a path');
    assert.equal(fs.existsSync(path.join(h.root, 'escape.json')), false);
    assert.deepEqual(
      listTree(h.sessionsDir).filter((f) => !/^legacy-(completed|failed|inprogress|weird)\.json$/.test(f)),
      [],
    );
  });
});

describe('migrate: Prodigy state without a session record', () => {
  it('a workflow checkpoint file becomes a Workflow session named after its state folder', async (t) => {
    const h = tempHome(t);
    const cpFile = putWorkflowCheckpoint(h);
    const stateBefore = snapshotTree(h.stateDir);
    const m = h.manager();
    const report = await core.migrate(m, {});
    assert.deepEqual(report.found, { workflow: 1, mapreduce: 0 });
    assert.deepEqual(report.imported, [{ id: 'workflow-123', type: 'Workflow', source: cpFile }]);
    const s = await m.getSession('workflow-123');
    assert.equal(s.session_type, 'Workflow');
    assert.equal(s.status, 'Paused', 'a Running checkpoint with no process behind it waits to be resumed');
    assert.equal(s.workflow_data.workflow_id, 'workflow-1736937000456');
    assert.equal(s.workflow_data.current_step, 2);
    assert.equal(s.workflow_data.total_steps, 3);
    assert.deepEqual(s.workflow_data.completed_steps, [0, 1]);
    assert.equal(s.workflow_data.worktree_name, 'workflow-123');
    assert.equal(s.workflow_data.variables.ARG, '42');
    assert.equal(s.metadata.workflow_path, '/home/alice/projects/my-app/workflows/implement.yml');
    assert.deepEqual(s.timings['shell: cargo test'], { secs: 131, nanos: 77120954 });
    assert.deepEqual(snapshotTree(h.stateDir), stateBefore, 'checkpoint files untouched');
    const { checkpoints } = await m.listCheckpoints('workflow-123');
    assert.deepEqual(
      checkpoints.map((c) => c.id),
      ['workflow-456'],
    );
  });

  it('a Failed workflow checkpoint becomes a Failed session with the error, without __ variables', async (t) => {
    const h = tempHome(t);
    const cp = fixture('workflow-checkpoint.running.json');
    cp.execution_state.status = 'Failed';
    cp.total_steps = 0;
    cp.execution_state.total_steps = 0;
    cp.variable_state.__error_message = 'Command failed: shell: cargo test';
    cp.variable_state.__failed_step_index = 2;
    cp.variable_state.__error_timestamp = '2025-01-15T10:33:20.000000001+00:00';
    putWorkflowCheckpoint(h, 'workflow-1736937000123', 'workflow-1736937000456', cp);
    const m = h.manager();
    await core.migrate(m);
    const s = await m.getSession('workflow-1736937000123');
    assert.equal(s.status, 'Failed');
    assert.equal(s.error, 'Command failed: shell: cargo test');
    assert.ok(s.completed_at);
    assert.equal(s.workflow_data.total_steps, 0);
    assert.deepEqual(
      Object.keys(s.workflow_data.variables).filter((k) => k.startsWith('__')),
      [],
    );
  });

  it('ignores state folders that are not sessions and ones that already have a record', async (t) => {
    const h = tempHome(t);
    putWorkflowCheckpoint(h, 'my-app', 'workflow-1'); // H/state/{repo}/checkpoints: not a session folder
    putWorkflowCheckpoint(h, 'workflow-1736937000123', 'workflow-2');
    h.writeSession(makeSession('workflow-1736937000123'));
    const before = h.readSessionText('workflow-1736937000123');
    const m = h.manager();
    const report = await core.migrate(m);
    assert.deepEqual(report.imported, []);
    assert.equal(await m.exists('my-app'), false);
    assert.equal(h.readSessionText('workflow-1736937000123'), before);
  });

  it('a MapReduce job state becomes a MapReduce session named after parent_worktree', async (t) => {
    const h = tempHome(t);
    const jobFile = putJob(h);
    const m = h.manager();
    const report = await core.migrate(m);
    assert.deepEqual(report.found, { workflow: 0, mapreduce: 1 });
    assert.deepEqual(report.imported, [{ id: MR_SESSION_ID, type: 'MapReduce', source: jobFile }]);
    const s = await m.getSession(MR_SESSION_ID);
    assert.equal(s.session_type, 'MapReduce');
    assert.equal(s.status, 'Paused');
    assert.equal(s.started_at, '2025-01-15T11:00:02.004101337Z');
    assert.equal(s.workflow_data, null);
    assert.deepEqual(s.mapreduce_data, {
      job_id: JOB_ID,
      total_items: 3,
      processed_items: 2,
      failed_items: 1,
      agent_count: 0,
      phase: 'Map',
      reduce_results: null,
    });
    const listed = await m.listSessions({ type: 'MapReduce' });
    assert.deepEqual(
      listed.sessions.map((x) => x.id),
      [MR_SESSION_ID],
    );
  });
});

describe('migrate: everything at once', () => {
  it('counts found.workflow / found.mapreduce, imports once, changes no source file', async (t) => {
    const h = tempHome(t);
    const dir = project(h);
    putLegacy(dir);
    putWorkflowCheckpoint(h);
    putJob(h);
    const projectBefore = snapshotTree(dir);
    const stateBefore = snapshotTree(h.stateDir);
    const m = h.manager();

    const dry = await core.migrate(m, { projectDir: dir, dryRun: true });
    assert.deepEqual(dry.found, { workflow: 2, mapreduce: 1 });
    assert.equal(dry.imported.length, 3);
    assert.equal(
      fs.existsSync(h.sessionsDir) ? fs.readdirSync(h.sessionsDir).length : 0,
      0,
      'a dry run writes nothing',
    );

    const first = await core.migrate(m, { projectDir: dir });
    assert.deepEqual(first.found, { workflow: 2, mapreduce: 1 });
    assert.deepEqual(first.imported.map((i) => i.id).sort(), [LEGACY_ID, MR_SESSION_ID, 'workflow-123'].sort());
    assert.deepEqual(first.failed, []);
    const second = await core.migrate(m, { projectDir: dir });
    assert.deepEqual(second.imported, []);
    assert.deepEqual(
      second.skipped.map((s) => s.id).sort(),
      [LEGACY_ID, MR_SESSION_ID].sort(),
      'record-less state is no longer record-less',
    );
    assert.deepEqual(second.found, { workflow: 1, mapreduce: 1 });

    assert.deepEqual(snapshotTree(dir), projectBefore);
    assert.deepEqual(snapshotTree(h.stateDir), stateBefore);
    const listing = await m.listSessions();
    assert.equal(listing.total, 3);
    assert.deepEqual(listing.unreadable, []);
  });
});
