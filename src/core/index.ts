// The public surface of the session core (`dist/core.js`): plain Node, no VS Code.
export { SessionManager } from './sessions/sessionManager';
export type {
  SessionManagerOptions,
  CreateSessionInput,
  SessionPatch,
  SessionUpdate,
  SessionListing,
  SessionChange,
  CompletionResult,
  QuarantineResult,
  CheckpointSnapshot,
} from './sessions/sessionManager';
export type { SessionFilter } from './sessions/filter';
export {
  displayName,
  summarize,
  type SessionSummary,
  type UnreadableFile,
  type MapReduceProgress,
} from './sessions/summary';
export { relativeTime, progressText, checkpointStepText } from './sessions/describe';
export type { CheckpointSummary, CheckpointInfo } from './sessions/checkpoints';
export { migrate, countUnimported, type MigrationReport, type MigrateOptions } from './migration/migrate';
export { resolveHome, HomePaths } from './storage/paths';
export { isSafeId } from './storage/ids';
export {
  TRANSITIONS,
  RESTORABLE_FROM,
  canTransition,
  isTerminal,
  isResumable,
  ACTIVE_STATUSES,
} from './lifecycle/transitions';
export {
  UnifiedSession,
  SessionStatus,
  SessionType,
  SESSION_STATUSES,
  effectiveType,
  type WorkflowSessionData,
  type MapReduceSessionData,
  type EmbeddedCheckpoint,
} from './model/session';
export { WorkflowCheckpoint } from './model/workflowCheckpoint';
export { LegacySessionState } from './model/legacySession';
export * from './errors';
export type * from './workflow/model';
export { loadWorkflowFile, loadWorkflowText, WorkflowLoadError } from './workflow/loader';
export {
  interpolate,
  renderValue,
  resolveVariable,
  referencedVariables,
  type Variables,
} from './workflow/interpolation';
export * as git from './git';
export {
  runWorkflow,
  resumeWorkflow,
  previewWorkflow,
  mergeSession,
  retryDeadLetters,
  listDeadLetters,
  type EngineOptions,
  type RunWorkflowOptions,
  type ResumeOptions,
  type RunOutcome,
} from './workflow/engine';
export { inputsFromPatterns, RunPlan } from './workflow/runPlan';
export { planRestore, restoreCheckpoint, type RestorePlan, type RestoreOutcome } from './workflow/restore';
export type { MergeOutcome, MergePolicy, MergeDecision } from './workflow/mergeBack';
export type { EngineEvent, EngineListener } from './workflow/events';
export { DEFAULT_CLAUDE_CONFIG, type ClaudeConfig } from './workflow/runContext';
export { ClaudeNotFoundError } from './workflow/commands';
export { ResumeLockedError, liveLockHolder } from './workflow/resumeLock';
export { findExecutable } from './process/which';
export {
  changedFiles,
  findSessionWorktree,
  removeSessionWorktree,
  runGit,
  type ChangedFile,
  type SessionWorktree,
} from './git';
export {
  deleteSessionAndWorktree,
  removeWorktreeOf,
  sessionsToCleanUp,
  type DeleteSessionOptions,
  type DeleteSessionResult,
  type CleanUpOptions,
} from './workflow/cleanup';
export { followFile, readLastLines, readLinesFrom, type FollowOptions, type LinesRead } from './storage/fileTail';
export { findSessionFolder, worktreeRoots, type SessionFolder } from './workflow/sessionFolder';
export {
  sessionWorktrees,
  cleanSessionWorktrees,
  type SessionWorktreeEntry,
  type CleanOptions,
  type CleanDecision,
  type CleanReport,
  type KeepReason,
} from './workflow/sessionWorktrees';
export type { DeadLetteredItem, FailureDetail } from './mapreduce/deadLetterQueue';
export * from './mapreduce/workItems';
export { readWorkItemsInput, documentFromOutput, INPUT_COMMAND_TIMEOUT_MS } from './mapreduce/workItemsInput';
export { compileFilter } from './mapreduce/filterExpression';
export { evaluateJsonPath, compileJsonPath } from './mapreduce/jsonPath';
export { compileSortBy } from './mapreduce/sortBy';
export { ExpressionSyntaxError } from './mapreduce/filterSyntaxError';
