// Schemas against the real-format fixtures and the quirks of prodigy-formats §0–§5, plus the
// on-disk round trip through SessionManager.updateSession (keys, encodings, order, format).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { core, fixture, fixtureText, FIXTURES, pretty, tempHome, makeSession } from './helpers/env.mjs';

const { UnifiedSession, WorkflowCheckpoint, LegacySessionState } = core;

const SESSION_KEYS = [
  'id',
  'session_type',
  'status',
  'started_at',
  'updated_at',
  'completed_at',
  'metadata',
  'checkpoints',
  'timings',
  'error',
  'workflow_data',
  'mapreduce_data',
];
const WORKFLOW_DATA_KEYS = [
  'workflow_id',
  'workflow_name',
  'current_step',
  'total_steps',
  'completed_steps',
  'variables',
  'iterations_completed',
  'files_changed',
  'worktree_name',
];
const MAPREDUCE_DATA_KEYS = [
  'job_id',
  'total_items',
  'processed_items',
  'failed_items',
  'agent_count',
  'phase',
  'reduce_results',
];

const unifiedFixtures = fs
  .readdirSync(FIXTURES)
  .filter((n) => /^unified-session\..*\.json$/.test(n))
  .sort();

function parseOk(schema, value, what) {
  const r = schema.safeParse(value);
  assert.ok(r.success, `${what} should parse: ${r.success ? '' : JSON.stringify(r.error.issues.slice(0, 3))}`);
  return r.data;
}

/** Puts known keys in serde declaration order, unknown ones after (what a serde-faithful writer emits). */
function declOrder(obj, keys) {
  if (obj === null || typeof obj !== 'object') return obj;
  const out = {};
  for (const k of keys) if (k in obj) out[k] = obj[k];
  for (const k of Object.keys(obj)) if (!keys.includes(k)) out[k] = obj[k];
  return out;
}
function sessionInDeclOrder(s) {
  const out = declOrder(s, SESSION_KEYS);
  if (out.workflow_data) out.workflow_data = declOrder(out.workflow_data, WORKFLOW_DATA_KEYS);
  if (out.mapreduce_data) out.mapreduce_data = declOrder(out.mapreduce_data, MAPREDUCE_DATA_KEYS);
  return out;
}

/** A legacy SessionState as CookSessionAdapter::save_checkpoint embeds it (§2 payload kind 1): keys sorted. */
function legacyCheckpointState(id) {
  return {
    checkpoint_version: 1,
    command_timings: [],
    current_iteration_number: null,
    current_iteration_started_at: null,
    ended_at: null,
    errors: ['Command failed: shell: cargo test (exit code 101)'],
    execution_context: null,
    execution_environment: null,
    files_changed: 2,
    iteration_timings: [],
    iterations_completed: 1,
    last_checkpoint: null,
    last_validated_at: null,
    session_id: id,
    started_at: '2025-01-15T10:30:00.125873412Z',
    status: 'Failed',
    workflow_hash: null,
    workflow_started_at: '2025-01-15T10:30:00.125873412Z',
    workflow_state: {
      completed_steps: [],
      current_iteration: 0,
      current_step: 1,
      input_args: [],
      map_patterns: [],
      using_worktree: true,
      workflow_path: `/home/alice/.prodigy/worktrees/my-app/${id}`,
    },
    workflow_type: null,
    working_directory: `/home/alice/.prodigy/worktrees/my-app/${id}`,
    worktree_name: id,
  };
}

function failedSessionWithLegacyCheckpoint(id = 'workflow-1736937000999') {
  return makeSession(id, {
    status: 'Failed',
    completed_at: '2025-01-15T10:32:02.775010031Z',
    error: 'Command failed: shell: cargo test (exit code 101)',
    checkpoints: [
      {
        id: `checkpoint-${randomUUID()}`,
        created_at: '2025-01-15T10:32:02.775123456Z',
        state: legacyCheckpointState(id),
        metadata: {},
      },
    ],
  });
}

function failedWorkflowCheckpoint() {
  const cp = fixture('workflow-checkpoint.running.json');
  cp.execution_state.status = 'Failed';
  cp.execution_state.current_step_index = 1;
  cp.execution_state.total_steps = 0; // §5 quirk: 0 on the Completed/Failed paths
  cp.total_steps = 0;
  cp.completed_steps = cp.completed_steps.slice(0, 1);
  cp.variable_state = {
    ...cp.variable_state,
    __error_message: 'Command failed: shell: cargo test (exit code 101)',
    __failed_step_index: 1,
    __error_timestamp: '2025-01-15T10:33:15.531101002+00:00',
  };
  return cp;
}

describe('schemas: every fixture parses', () => {
  for (const name of unifiedFixtures) {
    it(`UnifiedSession parses ${name} and keeps every value`, () => {
      const raw = fixture(name);
      const parsed = parseOk(UnifiedSession, raw, name);
      assert.deepEqual(parsed, raw);
      assert.deepEqual(Object.keys(parsed), SESSION_KEYS);
    });
  }

  it('found the four unified-session fixtures', () => {
    assert.deepEqual(unifiedFixtures, [
      'unified-session.mapreduce-typed.json',
      'unified-session.workflow.completed.json',
      'unified-session.workflow.paused.json',
      'unified-session.workflow.running.json',
    ]);
  });

  it('WorkflowCheckpoint parses workflow-checkpoint.running.json', () => {
    const raw = fixture('workflow-checkpoint.running.json');
    const cp = parseOk(WorkflowCheckpoint, raw, 'workflow checkpoint');
    assert.equal(cp.execution_state.status, 'Running');
    assert.equal(cp.execution_state.current_step_index, 2);
    assert.equal(cp.completed_steps.length, 2);
    assert.deepEqual(cp.completed_steps[1].duration, { secs: 131, nanos: 77120954 });
    assert.deepEqual(cp.variable_checkpoint_state, raw.variable_checkpoint_state, 'opaque parts survive');
  });

  it('LegacySessionState parses legacy-session_state.json', () => {
    const raw = fixture('legacy-session_state.json');
    const legacy = parseOk(LegacySessionState, raw, 'legacy session');
    assert.equal(legacy.status, 'Interrupted');
    assert.equal(legacy.workflow_state.current_step, 1);
    assert.equal(legacy.workflow_state.workflow_path, '/home/alice/projects/my-app/workflows/code-review.yml');
    assert.deepEqual(legacy.command_timings[0], ['claude: /prodigy-code-review', { secs: 121, nanos: 900210000 }]);
    assert.deepEqual(legacy.iteration_timings, raw.iteration_timings, 'unknown legacy keys are kept');
  });

  it('non-session fixtures are rejected by UnifiedSession (the schema can fail)', () => {
    for (const name of [
      'workflow-checkpoint.running.json',
      'legacy-session_state.json',
      'mapreduce-job.checkpoint-v2.json',
      'dlq-item.json',
    ]) {
      assert.equal(UnifiedSession.safeParse(fixture(name)).success, false, name);
    }
  });
});

describe('schemas: quirks', () => {
  it('accepts +00:00 timestamps (to_rfc3339 spelling) in serde fields too', () => {
    const s = makeSession('workflow-1736937000200', {
      started_at: '2025-01-15T10:30:00.125873412+00:00',
      updated_at: '2025-01-15T10:31:00.000000001+00:00',
      status: 'Completed',
      completed_at: '2025-01-15T10:31:00+00:00',
    });
    const parsed = parseOk(UnifiedSession, s, '+00:00 session');
    assert.equal(parsed.started_at, '2025-01-15T10:30:00.125873412+00:00', 'kept verbatim');
    assert.equal(parsed.completed_at, '2025-01-15T10:31:00+00:00');
  });

  it('accepts 0, 3, 6 and 9 fraction digits (chrono AutoSi) and rejects a non-timestamp', () => {
    for (const ts of [
      '2025-01-15T10:30:00Z',
      '2025-01-15T10:30:00.125Z',
      '2025-01-15T10:30:00.125873Z',
      '2025-01-15T10:30:00.125873412Z',
    ]) {
      parseOk(UnifiedSession, makeSession('workflow-1', { started_at: ts }), ts);
    }
    assert.equal(UnifiedSession.safeParse(makeSession('workflow-1', { started_at: 'yesterday' })).success, false);
  });

  it('accepts total_steps: 0 in workflow data and in a Failed workflow checkpoint', () => {
    const s = parseOk(
      UnifiedSession,
      makeSession('workflow-1', { workflow_data: { ...makeSession('workflow-1').workflow_data, total_steps: 0 } }),
      'session',
    );
    assert.equal(s.workflow_data.total_steps, 0);
    const cp = parseOk(WorkflowCheckpoint, failedWorkflowCheckpoint(), 'failed checkpoint');
    assert.equal(cp.total_steps, 0);
    assert.equal(cp.execution_state.total_steps, 0);
    assert.equal(cp.execution_state.status, 'Failed');
    assert.equal(cp.variable_state.__error_message, 'Command failed: shell: cargo test (exit code 101)');
    assert.equal(cp.variable_state.__failed_step_index, 1);
    assert.equal(cp.variable_state.__error_timestamp, '2025-01-15T10:33:15.531101002+00:00');
  });

  it('accepts a MapReduce run typed "Workflow" (CookSessionAdapter shape, §2.1)', () => {
    const id = `session-${randomUUID()}`;
    const s = makeSession(id, {
      session_type: 'Workflow',
      metadata: {},
      timings: {},
      workflow_data: {
        workflow_id: id,
        workflow_name: '',
        current_step: 0,
        total_steps: 0,
        completed_steps: [],
        variables: {},
        iterations_completed: 0,
        files_changed: 0,
        worktree_name: null,
      },
      mapreduce_data: null,
    });
    const parsed = parseOk(UnifiedSession, s, 'workflow-typed mapreduce run');
    assert.equal(parsed.workflow_data.workflow_name, '');
    assert.equal(core.effectiveType(parsed), 'Workflow', 'only the data present decides the type');
    assert.equal(
      core.displayName({ id, workflow_name: parsed.workflow_data.workflow_name }),
      id,
      'an empty name falls back to the id',
    );
  });

  it('effectiveType follows the data present, not session_type', () => {
    assert.equal(core.effectiveType(fixture('unified-session.mapreduce-typed.json')), 'MapReduce');
    const mrData = fixture('unified-session.mapreduce-typed.json').mapreduce_data;
    assert.equal(
      core.effectiveType({ session_type: 'Workflow', workflow_data: null, mapreduce_data: mrData }),
      'MapReduce',
    );
    assert.equal(
      core.effectiveType({ session_type: 'MapReduce', workflow_data: null, mapreduce_data: null }),
      'MapReduce',
    );
    assert.equal(
      core.effectiveType({ session_type: 'Workflow', workflow_data: null, mapreduce_data: null }),
      'Workflow',
    );
  });

  it('accepts an embedded checkpoint whose state is a legacy SessionState (payload kind 1)', () => {
    const s = failedSessionWithLegacyCheckpoint();
    const parsed = parseOk(UnifiedSession, s, 'failed session');
    const state = parsed.checkpoints[0].state;
    assert.deepEqual(Object.keys(state), [...Object.keys(state)].sort(), 'Value keys stay sorted');
    const legacy = parseOk(LegacySessionState, state, 'embedded legacy state');
    assert.equal(legacy.workflow_state.current_step, 1);
    assert.deepEqual(legacy.errors, [s.error]);
  });

  it('reads missing Option keys as null', () => {
    const s = makeSession('workflow-1');
    delete s.completed_at;
    delete s.error;
    delete s.mapreduce_data;
    delete s.workflow_data.worktree_name;
    const parsed = parseOk(UnifiedSession, s, 'session without Option keys');
    assert.equal(parsed.completed_at, null);
    assert.equal(parsed.error, null);
    assert.equal(parsed.mapreduce_data, null);
    assert.equal(parsed.workflow_data.worktree_name, null);
    assert.deepEqual(Object.keys(parsed), SESSION_KEYS, 'filled in at their declaration position');
  });

  it('rejects missing non-Option keys and wrong enum spellings', () => {
    for (const key of ['id', 'status', 'started_at', 'metadata', 'checkpoints', 'timings']) {
      const s = makeSession('workflow-1');
      delete s[key];
      assert.equal(UnifiedSession.safeParse(s).success, false, `missing ${key}`);
    }
    assert.equal(UnifiedSession.safeParse(makeSession('workflow-1', { status: 'Bogus' })).success, false);
    assert.equal(UnifiedSession.safeParse(makeSession('workflow-1', { status: 'running' })).success, false);
    assert.equal(UnifiedSession.safeParse(makeSession('workflow-1', { session_type: 'Mapreduce' })).success, false);
    assert.equal(
      UnifiedSession.safeParse(makeSession('workflow-1', { timings: { x: [1, 0] } })).success,
      false,
      'std Duration is {secs,nanos}',
    );
    assert.equal(
      UnifiedSession.safeParse(makeSession('workflow-1', { timings: { x: { secs: 1, nanos: 1e9 } } })).success,
      false,
      'nanos < 1e9',
    );
  });

  it('rejects a workflow checkpoint newer than version 1', () => {
    const cp = fixture('workflow-checkpoint.running.json');
    cp.version = 2;
    assert.equal(WorkflowCheckpoint.safeParse(cp).success, false);
  });

  it('keeps unknown extra keys when parsing (no deny_unknown_fields)', () => {
    const s = makeSession('workflow-1', { future_field: { nested: [1, 2] } });
    s.workflow_data.future_nested = 'x';
    const parsed = parseOk(UnifiedSession, s, 'session with extras');
    assert.deepEqual(parsed.future_field, { nested: [1, 2] });
    assert.equal(parsed.workflow_data.future_nested, 'x');
  });
});

describe('schemas: on-disk round trip through updateSession', () => {
  /** Copies `text` into H/sessions/{id}.json, patches metadata through the manager, returns both texts. */
  async function roundTrip(t, id, text) {
    const h = tempHome(t);
    h.writeSession(text, `${id}.json`);
    const m = h.manager();
    const updated = await m.updateSession(id, { metadata: { round_trip_note: 'touched' } });
    return { before: text, after: h.readSessionText(id), updated };
  }

  function expectedAfter(before, after) {
    const orig = JSON.parse(before);
    const now = JSON.parse(after);
    const expected = sessionInDeclOrder({
      ...orig,
      completed_at: orig.completed_at ?? null,
      error: orig.error ?? null,
      workflow_data: orig.workflow_data ?? null,
      mapreduce_data: orig.mapreduce_data ?? null,
      updated_at: now.updated_at,
      metadata: { ...orig.metadata, round_trip_note: 'touched' },
    });
    return pretty(expected);
  }

  for (const name of unifiedFixtures) {
    it(`${name}: same keys, encodings, order, format; only updated_at and the patch differ`, async (t) => {
      const text = fixtureText(name);
      const id = JSON.parse(text).id;
      const { before, after } = await roundTrip(t, id, text);
      assert.ok(!after.endsWith('\n'), 'no trailing newline');
      assert.match(after, /^\{\n {2}"id": /, '2-space indent');
      assert.deepEqual(Object.keys(JSON.parse(after)), SESSION_KEYS, 'serde declaration order');
      // Byte-level: the file is exactly the original with updated_at and the new metadata key changed.
      assert.equal(after, expectedAfter(before, after));
      const orig = JSON.parse(before);
      assert.ok(after.includes(`"started_at": "${orig.started_at}"`), 'started_at byte-identical (9 fraction digits)');
      assert.notEqual(JSON.parse(after).updated_at, orig.updated_at, 'updated_at moved');
    });
  }

  it('keeps null-vs-present, {secs,nanos} and every original key (deep walk)', async (t) => {
    const text = fixtureText('unified-session.workflow.completed.json');
    const { before, after } = await roundTrip(t, 'workflow-1736937000123', text);
    const walk = (a, b, where) => {
      if (a === null) return assert.equal(b, null, `${where} stays null`);
      if (Array.isArray(a)) {
        assert.ok(Array.isArray(b), `${where} stays an array`);
        return a.forEach((v, i) => walk(v, b[i], `${where}[${i}]`));
      }
      if (typeof a === 'object') {
        assert.equal(typeof b, 'object', `${where} stays an object`);
        assert.notEqual(b, null, `${where} not null`);
        for (const k of Object.keys(a)) {
          assert.ok(Object.prototype.hasOwnProperty.call(b, k), `${where}.${k} still present`);
          walk(a[k], b[k], `${where}.${k}`);
        }
        return undefined;
      }
      assert.equal(typeof b, typeof a, `${where} keeps its type`);
      if (where !== '$.updated_at') assert.equal(b, a, `${where} unchanged`);
      return undefined;
    };
    walk(JSON.parse(before), JSON.parse(after), '$');
    assert.deepEqual(
      Object.keys(JSON.parse(after).timings),
      Object.keys(JSON.parse(before).timings),
      'BTreeMap order kept',
    );
    assert.deepEqual(Object.keys(JSON.parse(after).workflow_data), WORKFLOW_DATA_KEYS);
  });

  it('+00:00 timestamps of untouched fields stay byte-identical', async (t) => {
    const id = 'workflow-1736937000201';
    const s = makeSession(id, { started_at: '2025-01-15T10:30:00.125873412+00:00' });
    const { after } = await roundTrip(t, id, pretty(s));
    assert.equal(JSON.parse(after).started_at, '2025-01-15T10:30:00.125873412+00:00');
    assert.equal(JSON.parse(after).metadata.execution_start_time, '2025-01-15T10:30:00.124051337+00:00');
  });

  it('missing Option keys are written back as null in declaration position', async (t) => {
    const id = 'workflow-1736937000202';
    const s = makeSession(id);
    delete s.completed_at;
    delete s.error;
    delete s.mapreduce_data;
    const { after, updated } = await roundTrip(t, id, pretty(s));
    const parsed = JSON.parse(after);
    assert.deepEqual(Object.keys(parsed), SESSION_KEYS);
    assert.equal(parsed.completed_at, null);
    assert.equal(parsed.error, null);
    assert.equal(parsed.mapreduce_data, null);
    assert.equal(updated.completed_at, null);
  });

  it('unknown extra keys survive a write, at top level and nested', async (t) => {
    const id = 'workflow-1736937000203';
    const s = makeSession(id, { future_field: { nested: [1, 2], when: '2025-01-15T10:30:00.000000001Z' } });
    s.workflow_data.future_nested = 'kept';
    s.timings['shell: cargo test'] = { secs: 1, nanos: 5, extra: true };
    const { before, after } = await roundTrip(t, id, pretty(s));
    const parsed = JSON.parse(after);
    assert.deepEqual(parsed.future_field, { nested: [1, 2], when: '2025-01-15T10:30:00.000000001Z' });
    assert.equal(parsed.workflow_data.future_nested, 'kept');
    assert.deepEqual(parsed.timings['shell: cargo test'], { secs: 1, nanos: 5, extra: true });
    assert.deepEqual(Object.keys(parsed).slice(0, SESSION_KEYS.length), SESSION_KEYS, 'known keys first, in order');
    assert.equal(after, expectedAfter(before, after));
  });

  it('an embedded legacy-state checkpoint survives a write unchanged (sorted keys kept)', async (t) => {
    const s = failedSessionWithLegacyCheckpoint('workflow-1736937000204');
    const { before, after } = await roundTrip(t, s.id, pretty(s));
    assert.deepEqual(JSON.parse(after).checkpoints, JSON.parse(before).checkpoints);
    assert.equal(after, expectedAfter(before, after));
    const state = JSON.parse(after).checkpoints[0].state;
    assert.deepEqual(Object.keys(state), [...Object.keys(state)].sort());
  });

  it('a record the manager creates has every key, in order, pretty-printed without a trailing newline', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ type: 'Workflow', workflowName: 'wf', totalSteps: 3 });
    const text = h.readSessionText(s.id);
    const parsed = JSON.parse(text);
    assert.equal(text, pretty(parsed));
    assert.deepEqual(Object.keys(parsed), SESSION_KEYS);
    assert.deepEqual(Object.keys(parsed.workflow_data), WORKFLOW_DATA_KEYS);
    assert.match(parsed.metadata.execution_start_time, /\+00:00$/, 'metadata timestamp uses the to_rfc3339 spelling');
    // serde's DateTime<Utc>: UTC 'Z' with 0, 3, 6 or 9 fraction digits.
    assert.match(parsed.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$/);
    assert.match(parsed.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$/);
    parseOk(UnifiedSession, parsed, 'created record');
    const mr = await m.createSession({ type: 'MapReduce' });
    const mrParsed = h.readSessionJson(mr.id);
    assert.deepEqual(Object.keys(mrParsed.mapreduce_data), MAPREDUCE_DATA_KEYS);
    assert.equal(mrParsed.workflow_data, null);
  });
});

// Keep an explicit reference so a fixture folder move fails loudly rather than testing nothing.
it('fixture folder exists', () => {
  assert.ok(fs.existsSync(path.join(FIXTURES, 'README.md')));
});
