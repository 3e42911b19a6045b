// Prodigy's worktree metadata, `~/.prodigy/worktrees/{repo}/.metadata/{session_id}.json`
// (prodigy-formats.md §8). Keys are declared in serde's order so a round trip writes them as Prodigy does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { ProdigyError } from '../errors';
import { Timestamp, Uint, after, nowTimestamp, optionOf, toPrettyJson } from '../model/serde';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { describeZodError, readJsonFile } from '../storage/readJson';
import { WorktreeNotFoundError } from './errors';

export const WORKTREE_STATUSES = [
  'in_progress',
  'completed',
  'merged',
  'cleaned_up',
  'failed',
  'abandoned',
  'interrupted',
] as const;
export const WorktreeStatus = z.enum(WORKTREE_STATUSES);
export type WorktreeStatus = z.infer<typeof WorktreeStatus>;

export const InterruptionType = z.enum(['user_interrupt', 'termination', 'process_kill', 'unknown']);
export type InterruptionType = z.infer<typeof InterruptionType>;

/** `CommandType`: snake_case unit variants, or `{"custom": "..."}`. */
const CommandType = z.union([z.enum(['code_review', 'implement_spec', 'lint']), z.looseObject({ custom: z.string() })]);

const WorktreeCheckpoint = z.looseObject({
  iteration: Uint,
  timestamp: Timestamp,
  last_command: z.string(),
  last_command_type: CommandType,
  last_spec_id: optionOf(z.string()),
  files_modified: z.array(z.string()),
  command_output: optionOf(z.string()),
});

export const WorktreeState = z.looseObject({
  session_id: z.string(),
  worktree_name: z.string(),
  branch: z.string(),
  original_branch: z.string().default(''),
  created_at: Timestamp,
  updated_at: Timestamp,
  status: WorktreeStatus,
  iterations: z.looseObject({ completed: Uint, max: Uint }),
  stats: z.looseObject({ files_changed: Uint, commits: Uint, last_commit_sha: optionOf(z.string()) }),
  merged: z.boolean(),
  merged_at: optionOf(Timestamp),
  error: optionOf(z.string()),
  merge_prompt_shown: z.boolean(),
  merge_prompt_response: optionOf(z.string()),
  interrupted_at: optionOf(Timestamp),
  interruption_type: optionOf(InterruptionType),
  last_checkpoint: optionOf(WorktreeCheckpoint),
  // Added with interruption support; files written before it lack the key.
  resumable: z.boolean().default(false),
});
export type WorktreeState = z.infer<typeof WorktreeState>;

/** What WorktreeManager writes when it creates a worktree. */
export function newWorktreeState(sessionId: string, branch: string, originalBranch: string): WorktreeState {
  const now = nowTimestamp();
  return WorktreeState.parse({
    session_id: sessionId,
    worktree_name: sessionId,
    branch,
    original_branch: originalBranch,
    created_at: now,
    updated_at: now,
    status: 'in_progress',
    iterations: { completed: 0, max: 10 },
    stats: { files_changed: 0, commits: 0, last_commit_sha: null },
    merged: false,
    merge_prompt_shown: false,
    resumable: false,
  });
}

export function readWorktreeState(file: string): WorktreeState {
  if (!fs.existsSync(file)) throw new WorktreeNotFoundError(file);
  return readJsonFile(file, WorktreeState);
}

export function writeWorktreeState(file: string, state: WorktreeState): void {
  writeFileAtomicSync(file, toPrettyJson(state));
}

/** Read, apply `patch`, bump `updated_at`, write atomically. Unknown keys are kept. */
export function updateWorktreeState(file: string, patch: Partial<WorktreeState>): WorktreeState {
  const current = readWorktreeState(file);
  const parsed = WorktreeState.safeParse({
    ...current,
    ...patch,
    updated_at: after(nowTimestamp(), current.updated_at),
  });
  if (!parsed.success)
    throw new ProdigyError(`Invalid update of worktree metadata ${file}: ${describeZodError(parsed.error)}`);
  writeWorktreeState(file, parsed.data);
  return parsed.data;
}

/** `.metadata/cleanup.log`: lines joined by "\n", no trailing newline (as Prodigy appends them). */
export function appendCleanupLog(metadataDir: string, line: string, date = new Date()): void {
  const file = path.join(metadataDir, 'cleanup.log');
  const stamp = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const existing = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.appendFileSync(file, `${existing > 0 ? '\n' : ''}[${stamp}] ${line}`);
}
