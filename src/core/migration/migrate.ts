// Brings runs Prodigy knows about, but that have no session record, into the one session
// store: legacy `.prodigy/session_state.json` files (§4), workflow checkpoint files without a
// record (§5) and MapReduce job state without a record (§9.1). It only ever adds records, never one
// for a run a record already has; the user's files are read, never moved, renamed or deleted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { SessionExistsError, errorMessage, reasonOf } from '../errors';
import { LegacySessionState } from '../model/legacySession';
import { nowTimestamp, type StdDuration } from '../model/serde';
import { emptySession, type SessionStatus, type SessionType, type UnifiedSession } from '../model/session';
import { WorkflowCheckpoint } from '../model/workflowCheckpoint';
import { isSafeId } from '../storage/ids';
import { readJsonFile } from '../storage/readJson';
import type { SessionManager } from '../sessions/sessionManager';

export interface MigrationCandidate {
  id: string;
  type: SessionType;
  source: string;
  build: () => UnifiedSession;
  /** The existing session the run belongs to (a MapReduce job of a recorded session): never imported. */
  ownedBy?: string;
}

export interface MigrationReport {
  found: { workflow: number; mapreduce: number };
  imported: { id: string; type: SessionType; source: string }[];
  skipped: { id: string; source: string; reason: string }[];
  failed: { file: string; reason: string }[];
}

export interface MigrateOptions {
  /** Project folder whose legacy `.prodigy/` is read (the CLI's `--path`, default cwd). */
  projectDir?: string;
  dryRun?: boolean;
}

export async function migrate(manager: SessionManager, options: MigrateOptions = {}): Promise<MigrationReport> {
  const report: MigrationReport = { found: { workflow: 0, mapreduce: 0 }, imported: [], skipped: [], failed: [] };
  const candidates = [
    ...(options.projectDir ? findLegacySessions(options.projectDir, report) : []),
    ...findOrphanWorkflowCheckpoints(manager, report),
    ...findMapReduceJobs(manager, report, await recordedJobs(manager)),
  ];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    if (c.type === 'MapReduce') report.found.mapreduce++;
    else report.found.workflow++;
    if (c.ownedBy) {
      report.skipped.push({ id: c.id, source: c.source, reason: `it is the job of session ${c.ownedBy}` });
      continue;
    }
    if (await manager.exists(c.id)) {
      report.skipped.push({ id: c.id, source: c.source, reason: 'a session record already exists' });
      continue;
    }
    if (options.dryRun) {
      report.imported.push({ id: c.id, type: c.type, source: c.source });
      continue;
    }
    try {
      await manager.importSession(c.build());
      report.imported.push({ id: c.id, type: c.type, source: c.source });
    } catch (err) {
      if (err instanceof SessionExistsError)
        report.skipped.push({ id: c.id, source: c.source, reason: 'a session record already exists' });
      else report.failed.push({ file: c.source, reason: errorMessage(err) });
    }
  }
  return report;
}

function baseSession(id: string, type: SessionType, status: SessionStatus, startedAt: string): UnifiedSession {
  // Imported now: updated (and, for a run that ended, completed) at the time of the import.
  const s = emptySession(id, type, status, startedAt);
  s.updated_at = nowTimestamp();
  if (s.completed_at) s.completed_at = s.updated_at;
  return s;
}

// ---- legacy session_state.json ------------------------------------------------------------

/** Legacy statuses (§3). Nothing writes legacy files any more, so "InProgress" cannot be live: it is shown Paused, resumable. */
const LEGACY_STATUS: Record<string, SessionStatus> = {
  InProgress: 'Paused',
  Completed: 'Completed',
  Failed: 'Failed',
  Interrupted: 'Paused',
};

function findLegacySessions(projectDir: string, report: MigrationReport): MigrationCandidate[] {
  const dir = path.join(projectDir, '.prodigy');
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => n === 'session_state.json' || (n.startsWith('session_') && n.endsWith('.json')));
  } catch {
    return [];
  }
  const out: MigrationCandidate[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let legacy: LegacySessionState;
    try {
      legacy = readJsonFile(file, LegacySessionState);
    } catch (err) {
      report.failed.push({ file, reason: reasonOf(err) });
      continue;
    }
    if (!isSafeId(legacy.session_id)) {
      report.failed.push({ file, reason: `session_id "${legacy.session_id}" is not a usable id` });
      continue;
    }
    const type: SessionType = legacy.workflow_type === 'MapReduce' || legacy.mapreduce_state ? 'MapReduce' : 'Workflow';
    out.push({ id: legacy.session_id, type, source: file, build: () => fromLegacy(legacy, type, file, projectDir) });
  }
  return out;
}

function fromLegacy(legacy: LegacySessionState, type: SessionType, file: string, projectDir: string): UnifiedSession {
  const status = LEGACY_STATUS[legacy.status] ?? 'Paused';
  // Keeps the run's real start time (Prodigy uses the migration time, which reorders history).
  const s = baseSession(legacy.session_id, type, status, legacy.started_at);
  if (legacy.ended_at && s.completed_at) s.completed_at = legacy.ended_at;
  const ws = legacy.workflow_state;
  s.metadata = {
    project_name: path.basename(projectDir),
    ...(legacy.worktree_name ? { worktree_name: legacy.worktree_name } : {}),
    started_by: 'migrated',
    tags: ['migrated'],
    description: `Migrated from legacy session ${legacy.session_id}`,
    legacy_session_id: legacy.session_id,
    legacy_status: legacy.status,
    legacy_file: file,
    iterations_completed: legacy.iterations_completed,
    files_changed: legacy.files_changed,
    ...(legacy.errors.length ? { errors: legacy.errors } : {}),
    ...(ws ? { workflow_path: ws.workflow_path } : {}),
  };
  s.error = status === 'Failed' ? (legacy.errors[legacy.errors.length - 1] ?? null) : null;
  const timings: Record<string, StdDuration> = {};
  for (const [name, d] of legacy.command_timings ?? []) timings[name] = d;
  s.timings = timings;
  if (type === 'MapReduce') {
    s.mapreduce_data = {
      job_id: legacy.session_id,
      total_items: legacy.mapreduce_state?.total_items ?? 0,
      processed_items: legacy.mapreduce_state?.items_processed ?? 0,
      failed_items: 0,
      agent_count: 0,
      phase: status === 'Completed' ? 'Complete' : 'Map',
      reduce_results: null,
    };
  } else {
    s.workflow_data = {
      workflow_id: legacy.session_id,
      workflow_name: '',
      current_step: ws?.current_step ?? 0,
      total_steps: 0,
      completed_steps: (ws?.completed_steps ?? []).filter((st) => st.success).map((st) => st.step_index),
      variables: legacy.execution_context?.variables ?? {},
      iterations_completed: legacy.iterations_completed,
      files_changed: legacy.files_changed,
      worktree_name: legacy.worktree_name ?? null,
    };
  }
  return s;
}

// ---- workflow checkpoint files without a record --------------------------------------------

const CHECKPOINT_STATUS: Record<string, SessionStatus> = {
  Completed: 'Completed',
  Failed: 'Failed',
  // Running/Paused/Interrupted: no process owns it now, so it waits to be resumed.
};

/** Only `workflow-*`/`session-*` folders are sessions; `H/state/{repo}` folders hold other things. */
function stateSessionDirs(manager: SessionManager): string[] {
  try {
    return fs.readdirSync(manager.paths.stateDir).filter((n) => isSafeId(n) && /^(workflow|session)-/.test(n));
  } catch {
    return [];
  }
}

/** Runs that have workflow checkpoint files but no session record: what `migrate` would recover. */
export function countUnimported(manager: SessionManager): number {
  return stateSessionDirs(manager).filter(
    (id) => !fs.existsSync(manager.paths.sessionFile(id)) && fs.existsSync(manager.paths.workflowCheckpointsDir(id)),
  ).length;
}

function findOrphanWorkflowCheckpoints(manager: SessionManager, report: MigrationReport): MigrationCandidate[] {
  const out: MigrationCandidate[] = [];
  for (const id of stateSessionDirs(manager)) {
    if (fs.existsSync(manager.paths.sessionFile(id))) continue;
    const dir = manager.paths.workflowCheckpointsDir(id);
    let files: { file: string; mtime: number }[];
    try {
      files = fs
        .readdirSync(dir)
        .filter((n) => n.endsWith('.checkpoint.json'))
        .map((n) => ({ file: path.join(dir, n), mtime: fs.statSync(path.join(dir, n)).mtimeMs }))
        .sort((a, b) => b.mtime - a.mtime);
    } catch {
      continue;
    }
    if (files.length === 0) continue;
    // Newest by mtime, as `prodigy resume` picks (§6.1).
    const newest = files[0].file;
    let cp: WorkflowCheckpoint;
    try {
      cp = readJsonFile(newest, WorkflowCheckpoint);
    } catch (err) {
      report.failed.push({ file: newest, reason: reasonOf(err) });
      continue;
    }
    out.push({ id, type: 'Workflow', source: newest, build: () => fromWorkflowCheckpoint(id, cp, newest) });
  }
  return out;
}

export function fromWorkflowCheckpoint(id: string, cp: WorkflowCheckpoint, file: string): UnifiedSession {
  const status = CHECKPOINT_STATUS[cp.execution_state.status] ?? 'Paused';
  const first = cp.completed_steps[0];
  const startedAt = first
    ? new Date(Date.parse(first.completed_at) - (first.duration.secs * 1000 + first.duration.nanos / 1e6)).toISOString()
    : cp.execution_state.start_time;
  const s = baseSession(id, 'Workflow', status, startedAt);
  const total = cp.total_steps || cp.execution_state.total_steps;
  const variables: Record<string, string> = {};
  for (const [k, v] of Object.entries(cp.variable_state))
    if (typeof v === 'string' && !k.startsWith('__')) variables[k] = v;
  const errorText = cp.variable_state.__error_message;
  s.error = status === 'Failed' && typeof errorText === 'string' ? errorText : null;
  s.metadata = {
    workflow_type: 'standard',
    started_by: 'migrated',
    description: `Recovered from workflow checkpoint ${path.basename(file)}`,
    ...(cp.workflow_path ? { workflow_path: cp.workflow_path } : {}),
    total_steps: total,
    current_step: cp.execution_state.current_step_index,
  };
  for (const step of cp.completed_steps) s.timings[step.command] = step.duration;
  s.workflow_data = {
    workflow_id: cp.workflow_id,
    workflow_name: cp.workflow_name && cp.workflow_name !== 'default' ? cp.workflow_name : '',
    current_step: cp.execution_state.current_step_index,
    total_steps: total,
    completed_steps: cp.completed_steps.filter((st) => st.success).map((st) => st.step_index),
    variables,
    iterations_completed: 0,
    files_changed: 0,
    worktree_name: id,
  };
  return s;
}

// ---- MapReduce job state without a record -------------------------------------------------

const JobState = z.looseObject({
  job_id: z.string(),
  started_at: z.string(),
  updated_at: z.string(),
  total_items: z.number(),
  successful_count: z.number(),
  failed_count: z.number(),
  is_complete: z.boolean(),
  parent_worktree: z.string().nullable().optional(),
  setup_completed: z.boolean().optional(),
  reduce_phase_state: z
    .looseObject({ started: z.boolean().optional(), completed: z.boolean().optional() })
    .nullable()
    .optional(),
});

/** Job ids of the recorded MapReduce sessions, and every record's id: a job of one is never imported again. */
async function recordedJobs(manager: SessionManager): Promise<{ jobs: Map<string, string>; ids: Set<string> }> {
  const { sessions } = await manager.listSessions();
  const jobs = new Map<string, string>();
  for (const s of sessions) if (s.mapreduce) jobs.set(s.mapreduce.job_id, s.id);
  return { jobs, ids: new Set(sessions.map((s) => s.id)) };
}

function findMapReduceJobs(
  manager: SessionManager,
  report: MigrationReport,
  recorded: { jobs: Map<string, string>; ids: Set<string> },
): MigrationCandidate[] {
  const out: MigrationCandidate[] = [];
  let repos: string[];
  try {
    repos = fs.readdirSync(manager.paths.stateDir);
  } catch {
    return out;
  }
  for (const repo of repos) {
    const jobsDir = path.join(manager.paths.stateDir, repo, 'mapreduce', 'jobs');
    let jobs: string[];
    try {
      jobs = fs.readdirSync(jobsDir);
    } catch {
      continue;
    }
    for (const jobId of jobs) {
      const file = newestJobCheckpoint(path.join(jobsDir, jobId));
      if (!file) continue;
      let job: z.infer<typeof JobState>;
      try {
        job = readJsonFile(file, JobState);
      } catch (err) {
        report.failed.push({ file, reason: reasonOf(err) });
        continue;
      }
      // The parent worktree is named after the session (§1.2); without one the job id stands in.
      const fromWorktree = job.parent_worktree ? path.basename(job.parent_worktree) : undefined;
      const id = fromWorktree && isSafeId(fromWorktree) ? fromWorktree : jobId;
      if (!isSafeId(id)) continue;
      // A recorded session's job: by its job id, or kept in its state folder (our runs key job state by session
      // id; an in-place run's parent worktree is the project folder, whose name is no session's).
      const ownedBy = recorded.jobs.get(job.job_id) ?? (recorded.ids.has(repo) ? repo : undefined);
      out.push({ id, type: 'MapReduce', source: file, build: () => fromJobState(id, job, repo), ownedBy });
    }
  }
  return out;
}

function newestJobCheckpoint(dir: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const versions = names
    .map((n) => /^checkpoint-v(\d+)\.json$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return versions[0] ? path.join(dir, versions[0][0]) : undefined;
}

function fromJobState(id: string, job: z.infer<typeof JobState>, repo: string): UnifiedSession {
  const status: SessionStatus = job.is_complete ? 'Completed' : 'Paused';
  const s = baseSession(id, 'MapReduce', status, job.started_at);
  const processed = job.successful_count + job.failed_count;
  s.metadata = {
    started_by: 'migrated',
    description: `Recovered from MapReduce job ${job.job_id}`,
    repo,
    job_id: job.job_id,
    ...(job.parent_worktree ? { worktree_path: job.parent_worktree } : {}),
  };
  s.mapreduce_data = {
    job_id: job.job_id,
    total_items: job.total_items,
    processed_items: processed,
    failed_items: job.failed_count,
    agent_count: 0,
    phase: job.is_complete
      ? 'Complete'
      : job.reduce_phase_state?.started
        ? 'Reduce'
        : job.setup_completed === false
          ? 'Setup'
          : 'Map',
    reduce_results: null,
  };
  return s;
}
