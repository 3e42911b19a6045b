// Creates a Prodigy home (`H`) from the JSON fixtures in test/fixtures/prodigy/:
//   H/sessions/workflow-1736937000123.json                      running workflow ("implement-feature")
//   H/sessions/session-0d3f7e21-44b9-4a8e-8c61-93b7f0a2c5d4.json  MapReduce-typed session (no workflow name)
//   H/sessions/workflow-1736937999999.json                      completed workflow (id rewritten)
//   H/sessions/workflow-broken.json                             truncated JSON (an unreadable file)
//   H/state/workflow-1736937000123/checkpoints/workflow-1736937000456.checkpoint.json
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
  fs.writeFileSync(path.join(sessions, `${RUNNING_WORKFLOW_ID}.json`), fixture('unified-session.workflow.running.json'));
  fs.writeFileSync(path.join(sessions, `${MAPREDUCE_SESSION_ID}.json`), fixture('unified-session.mapreduce-typed.json'));

  // Completed run under a different id: rewrite only the top-level "id" value, keep the rest of the bytes.
  const completed = fixture('unified-session.workflow.completed.json');
  const original = JSON.parse(completed).id;
  const rewritten = completed.replace(`"id": ${JSON.stringify(original)}`, `"id": ${JSON.stringify(COMPLETED_WORKFLOW_ID)}`);
  if (JSON.parse(rewritten).id !== COMPLETED_WORKFLOW_ID) throw new Error('seedHome: could not rewrite the completed session id');
  fs.writeFileSync(path.join(sessions, `${COMPLETED_WORKFLOW_ID}.json`), rewritten);

  fs.writeFileSync(path.join(sessions, BROKEN_FILE), BROKEN_CONTENT);

  const checkpoints = path.join(dir, 'state', RUNNING_WORKFLOW_ID, 'checkpoints');
  fs.mkdirSync(checkpoints, { recursive: true });
  fs.writeFileSync(path.join(checkpoints, `${CHECKPOINT_WORKFLOW_ID}.checkpoint.json`), fixture('workflow-checkpoint.running.json'));

  return [RUNNING_WORKFLOW_ID, MAPREDUCE_SESSION_ID, COMPLETED_WORKFLOW_ID];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node test/host/seedHome.mjs <dir>');
    process.exit(2);
  }
  console.log(seedHome(path.resolve(dir)).join('\n'));
}
