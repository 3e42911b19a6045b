// An agent's own worktree, made from the parent (session) worktree's HEAD so it sees what setup
// committed (prodigy-formats §9 names): H/worktrees/{parent}/mapreduce-agent-{agent}, branch
// prodigy-mapreduce-agent-{agent}. Its commits come back through a serialized merge.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { headCommit, runGit } from '../git';

export interface AgentWorktree {
  path: string;
  branch: string;
  /** The parent HEAD it started from: commits beyond it are the agent's work. */
  base: string;
}

export async function createAgentWorktree(parent: string, worktreesDir: string, agentId: string): Promise<AgentWorktree> {
  const dir = path.join(worktreesDir, path.basename(parent), `mapreduce-agent-${agentId}`);
  const branch = `prodigy-mapreduce-agent-${agentId}`;
  if (fs.existsSync(dir)) await removeAgentWorktree(parent, { path: dir, branch, base: '' }, { keepBranch: false });
  await runGit(parent, ['branch', '-D', branch], { allowFail: true });
  const base = await headCommit(parent);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  await runGit(parent, ['worktree', 'add', '-q', '-b', branch, dir, base]);
  return { path: dir, branch, base };
}

/** Removes the worktree; the branch goes too unless `keepBranch` (it holds work not merged). */
export async function removeAgentWorktree(parent: string, wt: AgentWorktree, opts: { keepBranch: boolean }): Promise<void> {
  if (fs.existsSync(wt.path)) await runGit(parent, ['worktree', 'remove', '--force', wt.path], { allowFail: true });
  if (fs.existsSync(wt.path)) fs.rmSync(wt.path, { recursive: true, force: true });
  await runGit(parent, ['worktree', 'prune'], { allowFail: true });
  if (!opts.keepBranch) await runGit(parent, ['branch', '-D', wt.branch], { allowFail: true });
}

export type AgentMerge = { status: 'merged' | 'nothing' } | { status: 'conflict'; conflicts: string[] } | { status: 'failed'; error: string };

/**
 * Merges an agent's branch into the parent worktree (callers serialize these). A conflict is
 * aborted, so the parent stays as it was and the agent's branch keeps its work.
 */
export async function mergeAgent(parent: string, wt: AgentWorktree, message: string): Promise<AgentMerge> {
  const head = await headCommit(wt.path);
  if (head === wt.base) return { status: 'nothing' };
  const merge = await runGit(parent, ['merge', '--no-ff', '--no-edit', '-m', message, wt.branch], { allowFail: true });
  if (merge.code === 0) return { status: 'merged' };
  const unmerged = await runGit(parent, ['diff', '--name-only', '--diff-filter=U', '-z'], { allowFail: true });
  const conflicts = unmerged.stdout.split('\0').filter(Boolean);
  await runGit(parent, ['merge', '--abort'], { allowFail: true });
  if (conflicts.length) return { status: 'conflict', conflicts };
  return { status: 'failed', error: (merge.stderr || merge.stdout).trim().split('\n')[0] };
}
