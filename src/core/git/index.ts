// The git layer of the workflow engine: plain Node over the real `git` (never imports vscode).
export {
  GitError,
  NotAGitRepositoryError,
  WorktreeExistsError,
  WorktreeNotFoundError,
  MergeRefusedError,
} from './errors';
export { runGit, type GitResult, type RunGitOptions } from './run';
export {
  isGitRepo,
  mainWorktreeRoot,
  currentBranch,
  branchExists,
  defaultBranch,
  readHeadSync,
  headCommit,
  gitCommonDir,
  commitExists,
  countCommits,
} from './head';
export {
  WorktreeState,
  WorktreeStatus,
  InterruptionType,
  WORKTREE_STATUSES,
  newWorktreeState,
  readWorktreeState,
  writeWorktreeState,
  updateWorktreeState,
  appendCleanupLog,
} from './worktreeState';
export {
  createSessionWorktree,
  findSessionWorktree,
  listSessionWorktrees,
  removeSessionWorktree,
  sessionBranch,
  type SessionWorktree,
} from './worktree';
export {
  trackedStatus,
  trackedChanges,
  uncommittedFiles,
  untrackedFiles,
  saveUncommittedChanges,
  filesInCommit,
  changedFiles,
  parseNameStatus,
  keepCommit,
  resetHard,
  type StatusEntry,
  type ChangedFile,
} from './changes';
export { mergeBranch, settleResolution, type ConflictResolver, type MergeResult } from './merge';
export { withWorktreeAdmin } from './worktreeAdmin';
export { removeLeftGitLocks } from './leftLocks';
