// A MapReduce job's state in Prodigy's layout and shape (prodigy-formats §9.1): versioned
// checkpoint-v{N}.json files (newest 3 kept) and metadata.json naming the newest, under
// H/state/{repo}/mapreduce/jobs/{job_id}. Written after setup, after every item, and after
// every reduce step, so a resume redoes nothing that finished.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nowTimestamp, toPrettyJson } from '../model/serde';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { readJsonFile } from '../storage/readJson';
import type { DeadLetteredItem } from './deadLetterQueue';
import type { ClaudeCall } from '../claude/types';
import * as z from 'zod';

export type AgentStatus = 'Pending' | 'Running' | 'Success' | 'Timeout' | { Failed: string };

export interface AgentResult {
  item_id: string;
  status: AgentStatus;
  output?: string;
  commits: string[];
  duration: { secs: number; nanos: number };
  error?: string;
  worktree_path?: string;
  branch_name?: string;
  json_log_location?: string;
  /** The item's Claude calls summed (our key; Prodigy's reader skips it). */
  claude?: ClaudeCall;
}

export interface JobState {
  job_id: string;
  config: Record<string, unknown>;
  started_at: string;
  updated_at: string;
  work_items: unknown[];
  agent_results: Record<string, AgentResult>;
  completed_agents: string[];
  failed_agents: Record<
    string,
    { item_id: string; attempts: number; last_error: string; last_attempt: string; worktree_info: null }
  >;
  pending_items: string[];
  checkpoint_version: number;
  checkpoint_format_version: number;
  parent_worktree: string | null;
  reduce_phase_state: {
    started: boolean;
    completed: boolean;
    executed_commands: number;
    output: string | null;
    error: string | null;
    started_at: string | null;
    completed_at: string | null;
  } | null;
  total_items: number;
  successful_count: number;
  failed_count: number;
  is_complete: boolean;
  agent_template: unknown[];
  reduce_commands: unknown[] | null;
  variables: Record<string, unknown>;
  setup_output: string | null;
  setup_completed: boolean;
  item_retry_counts: Record<string, number>;
}

const LoadedState = z.looseObject({
  job_id: z.string(),
  work_items: z.array(z.unknown()),
  agent_results: z.record(z.string(), z.looseObject({ item_id: z.string(), status: z.unknown() })),
  completed_agents: z.array(z.string()),
  checkpoint_version: z.number(),
  setup_completed: z.boolean().default(false),
  variables: z.record(z.string(), z.unknown()).default({}),
});

/** A job as a checkpoint's snapshot keeps it (under JOB_SNAPSHOT_KEY): what restoring the checkpoint puts back. */
export interface JobSnapshot {
  state: JobState;
  dead_letters: DeadLetteredItem[];
}
export const JOB_SNAPSHOT_KEY = 'mapreduce_job';

/** The job kept in a checkpoint's snapshot, or null when it keeps none (older checkpoints, other tools). */
export function jobSnapshotOf(snapshot: Record<string, unknown>): JobSnapshot | null {
  const parsed = z
    .object({ state: LoadedState, dead_letters: z.array(z.looseObject({ item_id: z.string() })) })
    .safeParse(snapshot[JOB_SNAPSHOT_KEY]);
  return parsed.success ? (parsed.data as unknown as JobSnapshot) : null;
}

const KEEP = 3;

export class JobStore {
  readonly dir: string;

  constructor(
    home: string,
    repo: string,
    readonly jobId: string,
  ) {
    this.dir = path.join(home, 'state', repo, 'mapreduce', 'jobs', jobId);
  }

  static fresh(jobId: string, config: Record<string, unknown>, parent: string | null): JobState {
    const now = nowTimestamp();
    return {
      job_id: jobId,
      config,
      started_at: now,
      updated_at: now,
      work_items: [],
      agent_results: {},
      completed_agents: [],
      failed_agents: {},
      pending_items: [],
      checkpoint_version: 0,
      checkpoint_format_version: 1,
      parent_worktree: parent,
      reduce_phase_state: null,
      total_items: 0,
      successful_count: 0,
      failed_count: 0,
      is_complete: false,
      agent_template: [],
      reduce_commands: null,
      variables: {},
      setup_output: null,
      setup_completed: false,
      item_retry_counts: {},
    };
  }

  save(state: JobState): void {
    state.checkpoint_version += 1;
    state.updated_at = nowTimestamp();
    const file = path.join(this.dir, `checkpoint-v${state.checkpoint_version}.json`);
    const text = toPrettyJson(state);
    writeFileAtomicSync(file, text);
    writeFileAtomicSync(
      path.join(this.dir, 'metadata.json'),
      toPrettyJson({
        path: file,
        version: state.checkpoint_version,
        created_at: state.updated_at,
        size_bytes: Buffer.byteLength(text),
      }),
    );
    for (const old of this.versions().slice(KEEP))
      fs.rmSync(path.join(this.dir, `checkpoint-v${old}.json`), { force: true });
  }

  /**
   * Makes an earlier state (a checkpoint's, on restore) the newest version again: it is saved with the next
   * version number, so `load`, `metadata.json` and Prodigy's reader all see it.
   */
  rewind(state: JobState): void {
    const copy = structuredClone(state);
    copy.checkpoint_version = Math.max(this.versions()[0] ?? 0, state.checkpoint_version);
    this.save(copy);
  }

  /** The newest readable state, or null. */
  load(): JobState | null {
    for (const v of this.versions()) {
      try {
        return readJsonFile(path.join(this.dir, `checkpoint-v${v}.json`), LoadedState) as unknown as JobState;
      } catch {
        // torn or damaged: an older version will do
      }
    }
    return null;
  }

  private versions(): number[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .map((n) => /^checkpoint-v(\d+)\.json$/.exec(n)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => b - a);
  }
}
