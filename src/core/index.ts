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
export { interpolate, renderValue, resolveVariable, referencedVariables, type Variables } from './steps/interpolation';
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
} from './engine/engine';
export { inputsFromPatterns, RunPlan } from './runs/runPlan';
export { planRestore, restoreCheckpoint, type RestorePlan, type RestoreOutcome } from './worktrees/restore';
export type { MergeOutcome, MergePolicy, MergeDecision } from './engine/mergeBack';
export type { EngineEvent, EngineListener } from './steps/events';
export { DEFAULT_CLAUDE_CONFIG, type ClaudeConfig } from './steps/runContext';
export { ClaudeNotFoundError } from './steps/commands';
export { ResumeLockedError, liveLockHolder } from './sessions/resumeLock';
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
} from './worktrees/cleanup';
export { followFile, readLastLines, readLinesFrom, type FollowOptions, type LinesRead } from './storage/fileTail';
export { findSessionFolder, worktreeRoots, type SessionFolder } from './worktrees/sessionFolder';
export {
  sessionWorktrees,
  cleanSessionWorktrees,
  type SessionWorktreeEntry,
  type CleanOptions,
  type CleanDecision,
  type CleanReport,
  type KeepReason,
} from './worktrees/sessionWorktrees';
export type { DeadLetteredItem, FailureDetail } from './mapreduce/deadLetterQueue';
export * from './mapreduce/workItems';
export { readWorkItemsInput, documentFromOutput, INPUT_COMMAND_TIMEOUT_MS } from './mapreduce/workItemsInput';
export { compileFilter } from './expressions/filter';
export { evaluateJsonPath, compileJsonPath } from './expressions/jsonPath';
export { compileSortBy } from './expressions/sortBy';
export { ExpressionSyntaxError } from './expressions/syntaxError';
