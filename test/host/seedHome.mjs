// Creates a Prodigy home (`H`) from the JSON fixtures in test/fixtures/prodigy/:
//   H/sessions/workflow-1736937000123.json                      running workflow ("implement-feature")
//   H/sessions/session-0d3f7e21-44b9-4a8e-8c61-93b7f0a2c5d4.json  MapReduce-typed session (no workflow name)
//   H/sessions/workflow-1736937999999.json                      completed workflow (id rewritten)
//   H/sessions/workflow-broken.json                             truncated JSON (an unreadable file)
//   H/state/workflow-1736937000123/checkpoints/workflow-1736937000456.checkpoint.json
// plus, from seedQuirks(): a Paused session, a Failed run with Prodigy's legacy-shaped embedded checkpoint and a
// Failed workflow checkpoint with total_steps 0, and a MapReduce run typed "Workflow" with an empty name.
//
// Usage:  import { seedHome } from '../host/seedHome.mjs'; const ids = seedHome(dir);
//   or:   node test/host/seedHome.mjs <dir>
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES_DIR } from './config.mjs';

export const RUNNING_WORKFLOW_ID = 'workflow-1736937000123';
export const MAPREDUCE_SESSION_ID = 'session-0d3f7e21-44b9-4a8e-8c61-93b7f0a2c5d4';
export const COMPLETED_WORKFLOW_ID = 'workflow-1736937999999';
export const CHECKPOINT_WORKFLOW_ID = 'workflow-1736937000456';
export const BROKEN_FILE = 'workflow-broken.json';
export const BROKEN_CONTENT = '{"id": "workflow-broken", "sta';
/** The workflow name that both workflow sessions carry (`workflow_data.workflow_name`). */
export const WORKFLOW_NAME = 'implement-feature';

/**
 * Seed `dir` as a Prodigy home. `dir` is created if needed; existing files are overwritten.
 * @param {string} dir
 * @param {{ fixturesDir?: string }} [opts]  default: test/fixtures/prodigy (env PRODIGY_FIXTURES_DIR overrides)
 * @returns {string[]} the ids of the (readable) seeded sessions
 */
export function seedHome(dir, opts = {}) {
  const fixturesDir = opts.fixturesDir ?? process.env.PRODIGY_FIXTURES_DIR ?? FIXTURES_DIR;
  const fixture = (name) => {
    const file = path.join(fixturesDir, name);
    if (!fs.existsSync(file)) throw new Error(`seedHome: fixture missing: ${file}`);
    return fs.readFileSync(file, 'utf8');
  };
  const sessions = path.join(dir, 'sessions');
  fs.mkdirSync(sessions, { recursive: true });

  // Byte-for-byte copies keep serde's formatting (2-space indent, no trailing newline).
  fs.writeFileSync(
    path.join(sessions, `${RUNNING_WORKFLOW_ID}.json`),
    fixture('unified-session.workflow.running.json'),
  );
  fs.writeFileSync(
    path.join(sessions, `${MAPREDUCE_SESSION_ID}.json`),
    fixture('unified-session.mapreduce-typed.json'),
  );

  // Completed run under a different id: rewrite only the top-level "id" value, keep the rest of the bytes.
  const completed = fixture('unified-session.workflow.completed.json');
  const original = JSON.parse(completed).id;
  const rewritten = completed.replace(
    `"id": ${JSON.stringify(original)}`,
    `"id": ${JSON.stringify(COMPLETED_WORKFLOW_ID)}`,
  );
  if (JSON.parse(rewritten).id !== COMPLETED_WORKFLOW_ID)
    throw new Error('seedHome: could not rewrite the completed session id');
  fs.writeFileSync(path.join(sessions, `${COMPLETED_WORKFLOW_ID}.json`), rewritten);

  fs.writeFileSync(path.join(sessions, BROKEN_FILE), BROKEN_CONTENT);

  const checkpoints = path.join(dir, 'state', RUNNING_WORKFLOW_ID, 'checkpoints');
  fs.mkdirSync(checkpoints, { recursive: true });
  fs.writeFileSync(
    path.join(checkpoints, `${CHECKPOINT_WORKFLOW_ID}.checkpoint.json`),
    fixture('workflow-checkpoint.running.json'),
  );

  seedQuirks(dir, fixture);
  return [
    RUNNING_WORKFLOW_ID,
    MAPREDUCE_SESSION_ID,
    COMPLETED_WORKFLOW_ID,
    PAUSED_WORKFLOW_ID,
    FAILED_WORKFLOW_ID,
    TYPED_WORKFLOW_MAPREDUCE_ID,
  ];
}

export const PAUSED_WORKFLOW_ID = 'workflow-1736937555555';
export const FAILED_WORKFLOW_ID = 'workflow-1736937666666';
export const FAILED_CHECKPOINT_ID = 'workflow-1736937666777';
export const TYPED_WORKFLOW_MAPREDUCE_ID = 'session-7a1e9c3b-5d2f-4b8a-9e61-0c4d8f2a7b13';
export const FAILED_ERROR = 'Command failed: shell: cargo test (exit code 101)';

const pretty = (v) => JSON.stringify(v, null, 2); // serde's to_string_pretty: no trailing newline

/**
 * The rest of what real prodigy leaves in a home (prodigy-formats §2–§5, §11), built from the spec:
 * a Paused session; a Failed run with the legacy-shaped checkpoint Prodigy embeds on failure and a Failed
 * workflow checkpoint whose total_steps is 0; a MapReduce run typed "Workflow" with an empty name;
 * timestamps with 6 and 0 fraction digits and `+00:00` ones in metadata and variables.
 */
function seedQuirks(dir, fixture) {
  const sessions = path.join(dir, 'sessions');
  const paused = JSON.parse(fixture('unified-session.workflow.paused.json'));
  paused.id = PAUSED_WORKFLOW_ID;
  paused.workflow_data.workflow_id = PAUSED_WORKFLOW_ID;
  fs.writeFileSync(path.join(sessions, `${PAUSED_WORKFLOW_ID}.json`), pretty(paused));

  const started = '2025-01-16T09:00:00.500123Z';
  const failedAt = '2025-01-16T09:02:10.250Z';
  const legacyState = {
    checkpoint_version: 1,
    command_timings: [],
    current_iteration_number: null,
    current_iteration_started_at: null,
    ended_at: null,
    errors: [FAILED_ERROR],
    execution_context: null,
    execution_environment: null,
    files_changed: 0,
    iteration_timings: [],
    iterations_completed: 0,
    last_checkpoint: null,
    last_validated_at: null,
    session_id: FAILED_WORKFLOW_ID,
    started_at: started,
    status: 'Failed',
    workflow_hash: null,
    workflow_started_at: null,
    workflow_state: {
      completed_steps: [],
      current_iteration: 0,
      current_step: 0,
      input_args: [],
      map_patterns: [],
      using_worktree: true,
      workflow_path: `/home/alice/.prodigy/worktrees/my-app/${FAILED_WORKFLOW_ID}`,
    },
    workflow_type: null,
    working_directory: `/home/alice/.prodigy/worktrees/my-app/${FAILED_WORKFLOW_ID}`,
    worktree_name: null,
  };
  fs.writeFileSync(
    path.join(sessions, `${FAILED_WORKFLOW_ID}.json`),
    pretty({
      id: FAILED_WORKFLOW_ID,
      session_type: 'Workflow',
      status: 'Failed',
      started_at: started,
      updated_at: failedAt,
      completed_at: failedAt,
      metadata: {
        execution_start_time: '2025-01-16T09:00:00.499870112+00:00',
        workflow_type: 'standard',
        total_steps: 2,
        current_step: 0,
      },
      checkpoints: [
        {
          id: 'checkpoint-3c1f5a7e-9b2d-4e8f-a6c0-1d7b9e3f5a21',
          created_at: failedAt,
          state: legacyState,
          metadata: {},
        },
      ],
      timings: { 'shell: cargo fmt --check': { secs: 2, nanos: 118000000 } },
      error: FAILED_ERROR,
      workflow_data: {
        workflow_id: FAILED_WORKFLOW_ID,
        workflow_name: 'fix-tests',
        current_step: 0,
        total_steps: 0,
        completed_steps: [],
        variables: {},
        iterations_completed: 0,
        files_changed: 0,
        worktree_name: null,
      },
      mapreduce_data: null,
    }),
  );
  const cpDir = path.join(dir, 'state', FAILED_WORKFLOW_ID, 'checkpoints');
  fs.mkdirSync(cpDir, { recursive: true });
  const cp = JSON.parse(fixture('workflow-checkpoint.running.json'));
  cp.workflow_id = FAILED_CHECKPOINT_ID;
  cp.execution_state = { ...cp.execution_state, current_step_index: 1, total_steps: 0, status: 'Failed' };
  cp.total_steps = 0; // §5: computed from an empty normalized workflow on the failure path
  cp.completed_steps = cp.completed_steps.slice(0, 1);
  cp.variable_state = {
    ...cp.variable_state,
    __error_message: FAILED_ERROR,
    __failed_step_index: 1,
    __error_timestamp: '2025-01-16T09:02:10.249117334+00:00',
  };
  fs.writeFileSync(path.join(cpDir, `${FAILED_CHECKPOINT_ID}.checkpoint.json`), pretty(cp));

  fs.writeFileSync(
    path.join(sessions, `${TYPED_WORKFLOW_MAPREDUCE_ID}.json`),
    pretty({
      id: TYPED_WORKFLOW_MAPREDUCE_ID,
      session_type: 'Workflow',
      status: 'Running',
      started_at: '2025-01-17T08:15:30Z',
      updated_at: '2025-01-17T08:15:30.001Z',
      completed_at: null,
      metadata: {
        execution_start_time: '2025-01-17T08:15:29.998765432+00:00',
        workflow_type: 'standard',
        total_steps: 0,
        current_step: 0,
      },
      checkpoints: [],
      timings: {},
      error: null,
      workflow_data: {
        workflow_id: TYPED_WORKFLOW_MAPREDUCE_ID,
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
    }),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node test/host/seedHome.mjs <dir>');
    process.exit(2);
  }
  console.log(seedHome(path.resolve(dir)).join('\n'));
}
