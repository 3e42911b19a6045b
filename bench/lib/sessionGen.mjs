// Realistic session records (prodigy-formats.md §2), generated deterministically so every
// run lists the same 10,000 files. The mix follows what Prodigy writes: mostly finished
// `workflow-{ms}` runs, MapReduce runs typed "Workflow" with an empty name (§2.1), a few
// MapReduce-typed ones, and failed runs carrying a checkpoint whose `state` is a legacy
// SessionState (§2, payload kind 1; §4) of about 2 KB, the heavy part a listing never needs.
import * as fs from 'node:fs';
import * as path from 'node:path';

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0);

const WORKFLOW_NAMES = [
  'implement-feature',
  'code-review',
  'fix-tests',
  'refactor-module',
  'update-deps',
  'write-docs',
  'debtmap-fix',
  'coverage-boost',
  'lint-fix',
  'security-audit',
  'migrate-api',
  'perf-tune',
];
const COMMANDS = [
  'claude: /prodigy-implement-spec $ARG',
  'claude: /prodigy-code-review',
  'claude: /prodigy-lint',
  'shell: cargo test',
  'shell: npm test',
  'claude: /prodigy-debug-test-failure',
  'shell: cargo clippy',
];
// Weighted like a long-lived home: most runs are over.
const STATUSES = [
  ['Completed', 55],
  ['Failed', 15],
  ['Cancelled', 8],
  ['Paused', 10],
  ['Running', 8],
  ['Initializing', 4],
];

/** mulberry32: small, fast, reproducible. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeTools(rand) {
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const weighted = (pairs) => {
    let r = rand() * pairs.reduce((s, [, w]) => s + w, 0);
    for (const [value, w] of pairs) if ((r -= w) < 0) return value;
    return pairs[pairs.length - 1][0];
  };
  const hex = (n) => Array.from({ length: n }, () => int(0, 15).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  // chrono's AutoSi: Linux clocks give nine fraction digits.
  const ts = (ms) =>
    new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, f) => `.${f}${String(int(0, 999_999)).padStart(6, '0')}Z`);
  const duration = () => ({ secs: int(1, 400), nanos: int(0, 999_999_999) });
  return { int, pick, weighted, hex, uuid, ts, duration };
}

/** serde_json `Value` objects have sorted keys (§0). */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}

function legacyState(t, session, startedMs, error) {
  const worktree = `/home/dev/.prodigy/worktrees/my-app/${session.id}`;
  const steps = t.int(1, 2);
  return sortKeys({
    session_id: session.id,
    status: 'Failed',
    started_at: session.started_at,
    ended_at: null,
    iterations_completed: t.int(0, 3),
    files_changed: t.int(0, 12),
    errors: [error],
    working_directory: worktree,
    worktree_name: session.id,
    workflow_started_at: session.started_at,
    current_iteration_started_at: t.ts(startedMs + 1_000),
    current_iteration_number: 1,
    iteration_timings: [[1, t.duration()]],
    command_timings: Array.from({ length: steps }, () => [t.pick(COMMANDS), t.duration()]),
    workflow_state: {
      current_iteration: 0,
      current_step: steps,
      completed_steps: Array.from({ length: steps }, (_, i) => ({
        step_index: i,
        command: t.pick(COMMANDS),
        success: true,
        output: null,
        duration: t.duration(),
        error: null,
        started_at: t.ts(startedMs + i * 60_000),
        completed_at: t.ts(startedMs + i * 60_000 + 30_000),
        exit_code: 0,
      })),
      workflow_path: worktree,
      input_args: [],
      map_patterns: [],
      using_worktree: true,
    },
    execution_environment: {
      working_directory: worktree,
      worktree_name: session.id,
      environment_vars: { PRODIGY_AUTOMATION: 'true' },
      command_args: ['run', 'workflows/implement.yml'],
    },
    last_checkpoint: null,
    workflow_hash: t.hex(64),
    workflow_type: 'Standard',
    execution_context: null,
    checkpoint_version: 1,
    last_validated_at: null,
  });
}

function makeSession(t, used) {
  const kind = t.weighted([
    ['workflow', 60],
    ['prodigy-mapreduce', 25],
    ['mapreduce', 15],
  ]);
  let startedMs = NOW_MS - t.int(0, 90 * DAY_MS - 1);
  // Prodigy's workflow ids are `workflow-{unix_ms}`: move on a millisecond if taken, as it does.
  while (kind === 'workflow' && used.has(`workflow-${startedMs}`)) startedMs++;
  const status = t.weighted(STATUSES);
  const terminal = ['Completed', 'Failed', 'Cancelled'].includes(status);
  const endMs = startedMs + t.int(30_000, 3_600_000);
  const id = kind === 'workflow' ? `workflow-${startedMs}` : `session-${t.uuid()}`;
  used.add(id);
  const worktree = kind === 'workflow' ? (t.int(0, 2) === 0 ? `wt-${t.hex(6)}` : null) : id;
  const totalSteps = t.int(1, 8);
  const session = {
    id,
    session_type: kind === 'mapreduce' ? 'MapReduce' : 'Workflow',
    status,
    started_at: t.ts(startedMs),
    updated_at: t.ts(endMs),
    completed_at: terminal ? t.ts(endMs) : null,
    metadata: {},
    checkpoints: [],
    timings: {},
    error: null,
    workflow_data: null,
    mapreduce_data: null,
  };
  if (kind !== 'mapreduce') {
    session.metadata = {
      execution_start_time: session.started_at.replace('Z', '+00:00'),
      workflow_type: kind === 'workflow' ? t.pick(['standard', 'iterative']) : 'mapreduce',
      total_steps: totalSteps,
      current_step: t.int(0, totalSteps),
      ...(t.int(0, 1) ? { increment_iteration: true, files_changed_delta: t.int(0, 9) } : {}),
    };
    for (let k = t.int(kind === 'workflow' ? 1 : 0, 4); k > 0; k--) session.timings[t.pick(COMMANDS)] = t.duration();
    session.workflow_data = {
      workflow_id: id,
      workflow_name: kind === 'workflow' ? t.pick(WORKFLOW_NAMES) : '',
      current_step: 0,
      total_steps: 0,
      completed_steps: [],
      variables: t.int(0, 3) === 0 ? { ARG: `spec-${t.int(1, 300)}`, PROJECT: 'my-app' } : {},
      iterations_completed: t.int(0, 3),
      files_changed: t.int(0, 20),
      worktree_name: worktree,
    };
  } else {
    const total = t.int(5, 500);
    const processed = status === 'Completed' ? total : t.int(0, total);
    session.metadata = t.int(0, 1) ? { workflow_name: t.pick(WORKFLOW_NAMES) } : {};
    session.mapreduce_data = {
      job_id: `mapreduce-${new Date(startedMs).toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15)}`,
      total_items: total,
      processed_items: processed,
      failed_items: t.int(0, Math.min(5, processed)),
      agent_count: t.int(1, 16),
      phase: status === 'Completed' ? 'Complete' : t.pick(['Setup', 'Map', 'Reduce']),
      reduce_results: null,
    };
  }
  if (status === 'Failed') {
    session.error = `Command failed: ${t.pick(COMMANDS)} (exit code ${t.int(1, 2)})`;
    // Prodigy's CookSessionAdapter appends one checkpoint holding a legacy SessionState.
    session.checkpoints.push({
      id: `checkpoint-${t.uuid()}`,
      created_at: session.updated_at,
      state: legacyState(t, session, startedMs, session.error),
      metadata: {},
    });
  } else if (status === 'Paused' && t.int(0, 1)) {
    // Ours: a small pointer to a snapshot file.
    const checkpointId = `checkpoint-${t.uuid()}`;
    session.checkpoints.push({
      id: checkpointId,
      created_at: session.updated_at,
      state: { snapshot: `state/${id}/snapshots/${checkpointId}.snapshot.json` },
      metadata: { step_index: t.int(0, totalSteps - 1), total_steps: totalSteps, label: 'before review' },
    });
  }
  return session;
}

/** `serde_json::to_string_pretty`, as Prodigy and the core write it. */
export const prettyJson = (value) => JSON.stringify(value, null, 2);

export function generateSessions(count, seed = 42) {
  const t = makeTools(prng(seed));
  const used = new Set();
  return Array.from({ length: count }, () => makeSession(t, used));
}

/** One session of the heavy kind (failed, legacy-state checkpoint) for the write benches. */
export function heavySession(id, seed = 7) {
  const t = makeTools(prng(seed));
  for (;;) {
    const s = makeSession(t, new Set());
    if (s.checkpoints.length && s.session_type === 'Workflow' && s.workflow_data?.workflow_name) {
      // Running again after the failure (Failed → Running is allowed), so updates are plain.
      return {
        ...s,
        id,
        status: 'Running',
        completed_at: null,
        workflow_data: { ...s.workflow_data, workflow_id: id },
      };
    }
  }
}

/**
 * Writes the sessions as `H/sessions/{id}.json`, each with its `updated_at` as mtime, as
 * a real home has them (a file modified just now is re-read by design: see the core's
 * racy-window rule); returns the file sizes in bytes.
 */
export function writeSessions(home, sessions) {
  const dir = path.join(home, 'sessions');
  fs.mkdirSync(dir, { recursive: true });
  return sessions.map((s) => {
    const file = path.join(dir, `${s.id}.json`);
    const text = prettyJson(s);
    fs.writeFileSync(file, text);
    const mtime = new Date(Date.parse(s.updated_at));
    fs.utimesSync(file, mtime, mtime);
    return Buffer.byteLength(text);
  });
}
