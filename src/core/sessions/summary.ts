// The small view of a session that listings, the tree and `sessions list --json` use.
import * as path from 'node:path';
import {
  effectiveType,
  type SessionStatus,
  type SessionType,
  type UnifiedSession,
  type MapReducePhase,
} from '../model/session';
import { sessionOutcome, type SessionOutcome } from './outcome';

export interface MapReduceProgress {
  job_id: string;
  phase: MapReducePhase;
  total_items: number;
  processed_items: number;
  failed_items: number;
  agent_count: number;
}

export interface SessionSummary {
  id: string;
  file: string;
  /** What the run is, from the data it carries (Prodigy types MapReduce runs "Workflow"). */
  session_type: SessionType;
  /** The `session_type` key as written in the file. */
  recorded_type: SessionType;
  status: SessionStatus;
  started_at: string;
  updated_at: string;
  completed_at: string | null;
  workflow_name: string;
  workflow_path: string | null;
  current_step: number;
  total_steps: number;
  completed_steps: number;
  checkpoints: number;
  error: string | null;
  /** The session's worktree (named after the session); null when it ran in place. */
  worktree_name: string | null;
  mapreduce: MapReduceProgress | null;
  /** What the session's Claude calls cost so far (USD, `metadata.claude.total_cost_usd`); null before any call. */
  cost_usd: number | null;
  /** How it ended (merged, branch kept, discarded, failed items…), or that it has not. */
  outcome: SessionOutcome;
}

/** Field order of a packed summary (the persisted index stores arrays, not objects). */
const PACKED_FIELDS = [
  'id',
  'session_type',
  'recorded_type',
  'status',
  'started_at',
  'updated_at',
  'completed_at',
  'workflow_name',
  'workflow_path',
  'current_step',
  'total_steps',
  'completed_steps',
  'checkpoints',
  'error',
  'worktree_name',
  'mapreduce',
  'cost_usd',
  'outcome',
] as const satisfies readonly (keyof SessionSummary)[];

export function packSummary(s: SessionSummary): unknown[] {
  return PACKED_FIELDS.map((k) => s[k]);
}

export function unpackSummary(v: unknown[], file: string): SessionSummary {
  // A literal, not a loop: one object shape for all 10,000, which V8 handles much faster.
  return {
    id: v[0],
    session_type: v[1],
    recorded_type: v[2],
    status: v[3],
    started_at: v[4],
    updated_at: v[5],
    completed_at: v[6],
    workflow_name: v[7],
    workflow_path: v[8],
    current_step: v[9],
    total_steps: v[10],
    completed_steps: v[11],
    checkpoints: v[12],
    error: v[13],
    worktree_name: v[14],
    mapreduce: v[15],
    cost_usd: v[16],
    outcome: v[17],
    file,
  } as SessionSummary;
}

export interface UnreadableFile {
  file: string;
  name: string;
  reason: string;
}

function metaNumber(meta: Record<string, unknown>, key: string): number {
  const v = meta[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function summarize(session: UnifiedSession, file: string): SessionSummary {
  const wf = session.workflow_data;
  const meta = session.metadata;
  const workflowPath = typeof meta.workflow_path === 'string' ? meta.workflow_path : null;
  const mr = session.mapreduce_data;
  return {
    id: session.id,
    file,
    session_type: effectiveType(session),
    recorded_type: session.session_type,
    status: session.status,
    started_at: session.started_at,
    updated_at: session.updated_at,
    completed_at: session.completed_at,
    workflow_name: wf?.workflow_name || (typeof meta.workflow_name === 'string' ? meta.workflow_name : ''),
    workflow_path: workflowPath,
    // Prodigy never advances these in workflow_data (§2.2); its metadata has the step count.
    current_step: wf?.current_step || metaNumber(meta, 'current_step'),
    total_steps: wf?.total_steps || metaNumber(meta, 'total_steps'),
    completed_steps: wf?.completed_steps.length ?? 0,
    checkpoints: session.checkpoints.length,
    error: session.error,
    worktree_name: worktreeName(wf?.worktree_name, meta),
    mapreduce: mr
      ? {
          job_id: mr.job_id,
          phase: mr.phase,
          total_items: mr.total_items,
          processed_items: mr.processed_items,
          failed_items: mr.failed_items,
          agent_count: mr.agent_count,
        }
      : null,
    cost_usd: claudeCost(meta.claude),
    outcome: sessionOutcome({ status: session.status, merge: meta.merge, mapreduce: mr }),
  };
}

/**
 * A workflow run names its worktree in `workflow_data.worktree_name` (Prodigy's legacy records in
 * `metadata.worktree_name`); a MapReduce run records only `metadata.worktree_path`, whose folder is named after
 * the session, as every session worktree is.
 */
function worktreeName(recorded: string | null | undefined, meta: Record<string, unknown>): string | null {
  if (recorded) return recorded;
  if (typeof meta.worktree_name === 'string' && meta.worktree_name) return meta.worktree_name;
  if (typeof meta.worktree_path === 'string' && meta.worktree_path) return path.basename(meta.worktree_path);
  return null;
}

/** `metadata.claude.total_cost_usd` when it is a number (the rest of `metadata.claude` is read where it is shown). */
function claudeCost(claude: unknown): number | null {
  if (!claude || typeof claude !== 'object') return null;
  const v = (claude as Record<string, unknown>).total_cost_usd;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function displayName(s: Pick<SessionSummary, 'workflow_name' | 'id'>): string {
  return s.workflow_name || s.id;
}

export function startedAtMs(s: Pick<SessionSummary, 'started_at'>): number {
  const t = Date.parse(s.started_at);
  return Number.isNaN(t) ? 0 : t;
}

/** Newest first; ties broken by id so the order is stable. Parses each timestamp once. */
export function sortNewestFirst(sessions: SessionSummary[]): SessionSummary[] {
  const keyed = sessions.map((s) => ({ s, t: startedAtMs(s) }));
  keyed.sort((a, b) => b.t - a.t || (a.s.id < b.s.id ? 1 : a.s.id > b.s.id ? -1 : 0));
  return keyed.map((k) => k.s);
}
