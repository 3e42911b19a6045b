// An agent's own worktree, made from the parent (session) worktree's HEAD so it sees what setup
// committed (prodigy-formats §9 names): H/worktrees/{parent}/mapreduce-agent-{agent}, branch
// prodigy-mapreduce-agent-{agent}. Its commits come back through a serialized merge.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { headCommit, readHeadSync, runGit, settleResolution, withWorktreeAdmin, type ConflictResolver } from '../git';

export interface AgentWorktree {
  path: string;
  branch: string;
  /** The parent HEAD it started from: commits beyond it are the agent's work. */
  base: string;
}

/**
 * The worktrees of a job's agents: one per parallel slot, made once and switched to a fresh
 * branch at the parent's HEAD for each item (much cheaper than a worktree per item; the item's
 * branch is its own). Removed when the map phase ends, with the branches the parent has merged.
 */
export class AgentSlots {
  private readonly made = new Set<number>();
  /** Slots whose last item left no untracked or uncommitted files (its work was committed). */
  private readonly clean = new Set<number>();

  constructor(
    private readonly parent: string,
    private readonly worktreesDir: string,
    private readonly jobId: string,
  ) {}

  slotPath(slot: number): string {
    return path.join(this.worktreesDir, path.basename(this.parent), `mapreduce-agent-${this.jobId}_slot${slot}`);
  }

  /** A clean worktree for one item, on `prodigy-mapreduce-agent-{agentId}` at the parent's HEAD. */
  async checkout(slot: number, agentId: string): Promise<AgentWorktree> {
    const dir = this.slotPath(slot);
    const branch = `prodigy-mapreduce-agent-${agentId}`;
    const base = readHeadSync(this.parent) ?? (await headCommit(this.parent));
    if (this.made.has(slot) || fs.existsSync(path.join(dir, '.git'))) {
      const sw = await runGit(dir, ['switch', '-q', '-f', '-C', branch, base], { allowFail: true });
      if (sw.code === 0) {
        if (!this.clean.has(slot)) await runGit(dir, ['clean', '-q', '-f', '-d', '-x']);
        this.clean.delete(slot);
        this.made.add(slot);
        return { path: dir, branch, base };
      }
      await withWorktreeAdmin(this.parent, () =>
        removeWorktree(this.parent, { path: dir, branch, base }, { keepBranch: true }),
      );
    }
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // -B: a branch left by an earlier attempt of this item is reset, in the same command.
    // The repository's worktree lock: another job's agents (or another run) may add theirs at the same time.
    await withWorktreeAdmin(this.parent, () => runGit(this.parent, ['worktree', 'add', '-q', '-B', branch, dir, base]));
    this.made.add(slot);
    return { path: dir, branch, base };
  }

  /** The slot's worktree holds nothing uncommitted: the next item can skip `git clean`. */
  markClean(slot: number): void {
    this.clean.add(slot);
  }

  /**
   * Removes every slot worktree of the job and every agent branch of it that the parent's HEAD contains (merged,
   * or with no work of its own); a branch with work the parent lacks (a conflict, a failed agent's commits) stays.
   * What is on disk decides, not what this run made: a run killed mid-map (kill -9, a crash) left its slots and
   * merged branches, and the run that resumes the job removes them too.
   */
  async dispose(): Promise<void> {
    const slotsDir = path.dirname(this.slotPath(0));
    const prefix = `mapreduce-agent-${this.jobId}_slot`;
    const dirs = new Set([...this.made].map((slot) => this.slotPath(slot)));
    for (const name of safeReaddir(slotsDir)) if (name.startsWith(prefix)) dirs.add(path.join(slotsDir, name));
    for (const dir of dirs) {
      await withWorktreeAdmin(this.parent, () =>
        removeWorktree(this.parent, { path: dir, branch: '', base: '' }, { keepBranch: true }),
      ).catch(() => undefined);
    }
    this.made.clear();
    this.clean.clear();
    const merged = await runGit(
      this.parent,
      ['branch', '--format=%(refname:short)', '--merged', 'HEAD', '--list', `prodigy-mapreduce-agent-${this.jobId}_*`],
      { allowFail: true },
    );
    const branches = merged.code === 0 ? merged.stdout.split('\n').filter(Boolean) : [];
    for (let i = 0; i < branches.length; i += 100)
      await runGit(this.parent, ['branch', '-D', ...branches.slice(i, i + 100)], { allowFail: true });
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

async function removeWorktree(parent: string, wt: AgentWorktree, opts: { keepBranch: boolean }): Promise<void> {
  if (fs.existsSync(wt.path)) await runGit(parent, ['worktree', 'remove', '--force', wt.path], { allowFail: true });
  if (fs.existsSync(wt.path)) {
    fs.rmSync(wt.path, { recursive: true, force: true });
    await runGit(parent, ['worktree', 'prune'], { allowFail: true });
  }
  if (!opts.keepBranch && wt.branch) await runGit(parent, ['branch', '-D', wt.branch], { allowFail: true });
}

export type AgentMerge =
  | { status: 'nothing' }
  | { status: 'merged'; resolved?: string[] }
  | { status: 'conflict'; conflicts: string[] }
  | { status: 'failed'; error: string };

/**
 * Merges an agent's branch into the parent worktree (callers serialize these). A conflict goes to `resolve`
 * when given (Claude); unresolved, it is aborted, so the parent stays as it was and the agent's branch keeps its work.
 */
export async function mergeAgent(
  parent: string,
  wt: AgentWorktree,
  head: string,
  message: string,
  resolve?: ConflictResolver,
): Promise<AgentMerge> {
  if (head === wt.base) return { status: 'nothing' };
  // Where a resolution would be undone to: only needed (one more git process per item) when one may be tried.
  const before = resolve ? (await runGit(parent, ['rev-parse', 'HEAD'])).stdout.trim() : '';
  const merge = await runGit(parent, ['merge', '--no-ff', '--no-edit', '-m', message, wt.branch], { allowFail: true });
  if (merge.code === 0) return { status: 'merged' };
  const unmerged = await runGit(parent, ['diff', '--name-only', '--diff-filter=U', '-z'], { allowFail: true });
  const conflicts = unmerged.stdout.split('\0').filter(Boolean);
  if (conflicts.length && resolve) {
    const target = (await runGit(parent, ['rev-parse', '--abbrev-ref', 'HEAD'], { allowFail: true })).stdout.trim();
    await resolve({ dir: parent, conflicts, branch: wt.branch, target });
    if (await settleResolution(parent, { branch: wt.branch, before, conflicts }))
      return { status: 'merged', resolved: conflicts };
    return { status: 'conflict', conflicts };
  }
  await runGit(parent, ['merge', '--abort'], { allowFail: true });
  if (conflicts.length) return { status: 'conflict', conflicts };
  return { status: 'failed', error: (merge.stderr || merge.stdout).trim().split('\n')[0] };
}
