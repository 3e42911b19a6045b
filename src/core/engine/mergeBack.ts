// Bringing a finished session's work back to the branch it started from (prodigy-workflows.md
// §6.9): the workflow's own `merge:` steps, or a plain `git merge --no-ff`. A conflict stops with
// a clear message and leaves the worktree and branch as they are: nothing is lost.
import { countCommits, mergeBranch, updateWorktreeState, MergeRefusedError, type SessionWorktree } from '../git';
import { errorMessage } from '../errors';
import { nowTimestamp } from '../model/serde';
import type { SessionManager } from '../sessions/sessionManager';
import type { RunContext } from '../steps/runContext';
import { executeStep } from '../steps/stepExecutor';
import { enterStep } from '../steps/stepVariables';
import { conflictResolver } from '../steps/mergeConflicts';
import { mergeGitVariables } from '../steps/gitContext';
import { nextStepSentence } from '../nextStep';

export type MergePolicy = 'ask' | 'always' | 'never';
export type MergeDecision = 'merge' | 'keep';

/** What the end-of-run question is about: the session's branch, where it would go, and how much it brings. */
export interface MergeQuestion {
  sessionId: string;
  branch: string;
  target: string;
  repo: string;
  commits: number;
}

export type MergeOutcome =
  | { status: 'merged'; commits: number; target: string }
  | { status: 'up-to-date'; target: string }
  | { status: 'kept'; branch: string; target: string; commits: number }
  | { status: 'conflict'; conflicts: string[]; branch: string; target: string; commits: number; message: string }
  | { status: 'failed'; branch: string; target: string; commits?: number; message: string };

export async function mergeBack(a: {
  manager: SessionManager;
  ctx: RunContext;
  worktree: SessionWorktree;
  policy: MergePolicy;
  confirm?: (q: MergeQuestion) => Promise<MergeDecision>;
}): Promise<MergeOutcome> {
  const { ctx, worktree } = a;
  const target = worktree.originalBranch;
  const branch = worktree.branch;
  const outcome = await decideAndMerge();
  await a.manager.updateSession(ctx.sessionId, { metadata: { merge: { ...outcome, at: nowTimestamp() } } });
  if (outcome.status === 'merged' || outcome.status === 'up-to-date') {
    try {
      updateWorktreeState(worktree.metadataFile, {
        merged: outcome.status === 'merged',
        merged_at: nowTimestamp(),
        status: outcome.status === 'merged' ? 'merged' : 'completed',
        merge_prompt_shown: a.policy === 'ask',
        merge_prompt_response: a.policy === 'ask' ? 'yes' : null,
      });
    } catch {
      // metadata is informational; the merge itself is done
    }
  }
  return outcome;

  async function decideAndMerge(): Promise<MergeOutcome> {
    if (!target)
      return {
        status: 'failed',
        branch,
        target,
        message: `Session ${ctx.sessionId} does not know which branch it started from; merge ${branch} yourself`,
      };
    let commits: number;
    try {
      commits = await countCommits(worktree.repoRoot || worktree.path, target, branch);
    } catch (err) {
      return { status: 'failed', branch, target, message: errorMessage(err) };
    }
    if (commits === 0 && !ctx.workflow.merge) {
      ctx.log.message('info', `No new commits in ${branch}, skipping merge`);
      return { status: 'up-to-date', target };
    }
    const decision =
      a.policy === 'always'
        ? 'merge'
        : a.policy === 'never' || !a.confirm
          ? 'keep'
          : await a.confirm({ sessionId: ctx.sessionId, branch, target, repo: worktree.repoRoot, commits });
    if (decision === 'keep') {
      ctx.log.message(
        'info',
        `Kept branch ${branch} (${commits} new commit${commits === 1 ? '' : 's'}). ${nextStepSentence({ kind: 'merge', sessionId: ctx.sessionId })}`,
      );
      return { status: 'kept', branch, target, commits };
    }
    if (ctx.workflow.merge) return customMerge(commits);
    ctx.log.message('progress', `Merging ${branch} into ${target}`);
    try {
      const r = await mergeBranch({
        repo: worktree.repoRoot || worktree.path,
        branch,
        target,
        message: `Merge ${branch} (Prodigy session ${ctx.sessionId})`,
        resolve: conflictResolver(ctx),
      });
      if (r.status === 'conflict') {
        const message = `Merging ${branch} into ${target} conflicts in ${r.conflicts.join(', ')}. The merge was undone; the session's work is intact on ${branch} (worktree ${worktree.path}). Resolve it with: git merge ${branch}`;
        ctx.log.message('error', message);
        return { status: 'conflict', conflicts: r.conflicts, branch, target, commits, message };
      }
      if (r.status === 'up-to-date') return { status: 'up-to-date', target };
      if (r.resolved) ctx.log.message('success', `Claude resolved the conflicts in ${r.resolved.join(', ')}`);
      ctx.log.message(
        'success',
        `Merged ${r.commits} commit${r.commits === 1 ? '' : 's'} from ${branch} into ${target}`,
      );
      return { status: 'merged', commits: r.commits, target };
    } catch (err) {
      const message =
        err instanceof MergeRefusedError
          ? err.message
          : `Merge of ${branch} into ${target} failed: ${errorMessage(err)}`;
      ctx.log.message('error', message);
      return { status: 'failed', branch, target, commits, message };
    }
  }

  async function customMerge(commits: number): Promise<MergeOutcome> {
    // The git set (commits, files) first: merge.commit_count is the full count, not the capped list's length.
    Object.assign(ctx.vars, await mergeGitVariables(worktree.repoRoot || worktree.path, target!, branch), {
      'merge.worktree': ctx.sessionId,
      'merge.source_branch': branch,
      'merge.target_branch': target,
      'merge.session_id': ctx.sessionId,
      'merge.commit_count': commits,
    });
    ctx.log.message('progress', `Running the workflow's merge steps (${branch} → ${target})`);
    for (const [index, step] of ctx.workflow.merge!.steps.entries()) {
      enterStep(ctx, step, index);
      const r = await executeStep(step, ctx);
      if (r.status === 'failed' || r.status === 'stopped') {
        const message = `Merge step '${step.display}' ${r.status === 'stopped' ? 'was stopped' : `failed: ${r.error}`}. The session's work is intact on ${branch}.`;
        ctx.log.message('error', message);
        return { status: 'failed', branch, target, commits, message };
      }
    }
    ctx.log.message('success', `Merge steps finished (${branch} → ${target})`);
    return { status: 'merged', commits, target };
  }
}
