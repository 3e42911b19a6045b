// The public surface of the session core (`dist/core.js`): what the extension and the CLI use, nothing
// more. Plain Node, no VS Code. Unit tests that need internals use test/support/coreInternals.ts.
export * from './errors';
export { WORDING_ENV, currentWording, nextStep, nextStepSentence, setWording, wordingFromEnv } from './nextStep';
export type { NextStep, Wording } from './nextStep';

// ---- sessions
export { SessionManager, type CheckpointSnapshot, type SessionChange } from './sessions/sessionManager';
export type { SessionFilter } from './sessions/filter';
export { displayName, summarize, type SessionSummary, type UnreadableFile } from './sessions/summary';
export {
  NOT_MERGED,
  OUTCOME_KINDS,
  sessionOutcome,
  type OutcomeFacts,
  type OutcomeKind,
  type SessionOutcome,
} from './sessions/outcome';
export { relativeTime, plural, progressText, checkpointStepText, stepText, jobProgressText } from './sessions/describe';
export type { CheckpointSummary } from './sessions/checkpoints';
export { liveLockHolder, resumeLockHolder } from './sessions/resumeLock';
export {
  isStale,
  livenessStatus,
  recordedLiveness,
  runsByRecord,
  STALE_AFTER_MS,
  statusFromFiles,
  type Liveness,
} from './sessions/liveness';
export {
  CLEAN_KINDS,
  planHomeCleanup,
  removeCleanEntries,
  type CleanEntry,
  type CleanKind,
  type CleanPlan,
} from './sessions/homeCleanup';
export { isResumable } from './lifecycle/transitions';
export { SESSION_STATUSES, type SessionStatus } from './model/session';
export { isSafeId } from './storage/ids';
export type { HomePaths } from './storage/paths';
export { followFile, readLastLines, readLinesFrom } from './storage/fileTail';
export { findExecutable } from './process/which';
export { migrate, countUnimported, type MigrationReport } from './migration/migrate';

// ---- git and worktrees
export {
  changedFiles,
  findSessionWorktree,
  runGit,
  uncommittedFiles,
  type ChangedFile,
  type SessionWorktree,
} from './git';
export { findSessionFolder, worktreeRoots } from './worktrees/sessionFolder';
export {
  sessionWorktrees,
  cleanSessionWorktrees,
  type SessionWorktreeEntry,
  type CleanDecision,
  type KeepReason,
} from './worktrees/sessionWorktrees';
export {
  deleteSessionAndWorktree,
  discardSessionWork,
  removeWorktreeOf,
  sessionsToCleanUp,
  type DiscardResult,
} from './worktrees/cleanup';
export { cleanAgentWorktrees, type AgentCleanReport, type AgentWorktreeDecision } from './worktrees/agentWorktrees';
export type { RestorePlan, RestoreOutcome } from './worktrees/restore';

// ---- workflows and runs
export type { Workflow } from './workflow/model';
export { analyzeWorkflowText, loadWorkflowFile, loadWorkflowText, WorkflowLoadError } from './workflow/loader';
export { workflowUsesClaude } from './workflow/claudeSteps';
export type { WorkflowAnalysis } from './workflow/loader';
export type { ParamValue, ParamValues } from './workflow/compose';
export type { ParameterInfo } from './workflow/model';
export { unknownKeySuggestion } from './workflow/loadContext';
export {
  installProjectCommands,
  PROJECT_COMMANDS,
  type InstallResult,
  type ProjectCommand,
} from './claude/projectCommands';
export { batchFiles, parseCommandStep, writeBatchWorkflow, writeExecWorkflow } from './workflow/generated';
export type { CommandStep, GeneratedWorkflow, StepLimits } from './workflow/generated';
export type { Variables } from './steps/interpolation';
export type { EngineEvent } from './steps/events';
export { DEFAULT_CLAUDE_CONFIG, claudeArgs, type ClaudeConfig } from './steps/runContext';
export { inputsFromPatterns } from './runs/runPlan';
export {
  eventsRoot,
  listEventFiles,
  listEventJobs,
  eventFilesForJob,
  readEvents,
  readEventsFrom,
  durationSeconds,
  eventTypeKey,
  EVENT_TYPES,
  type EventRecord,
  type ReadEvent,
  type EventFilter,
  type EventFileRef,
} from './runs/eventRecords';
export {
  applyEventsRetention,
  defaultEventsArchiveDir,
  planEventsRetention,
  retentionPolicyOf,
  DEFAULT_RETENTION_POLICY,
  type RetentionFile,
  type RetentionKept,
  type RetentionPlan,
  type RetentionPolicy,
} from './runs/eventsRetention';
export { knownProfiles } from './steps/workflowEnv';
export type { DeadLetteredItem } from './mapreduce/deadLetterQueue';
export { runWorkflow } from './engine/run';
export { resumeWorkflow } from './engine/resume';
export {
  retryDeadLetters,
  rerunReduce,
  listDeadLetters,
  listJobItems,
  sessionJobStores,
  type JobItems,
} from './engine/mapReduce';
export { itemLabel, itemIndex } from './mapreduce/workItems';
export { compileFilter } from './expressions/filter';
export {
  allDeadLetters,
  deadLetterStats,
  deadLetterView,
  errorTypeName,
  purgeDeadLetters,
  sessionDeadLetters,
  type DeadLetterStats,
  type JobDeadLetters,
} from './engine/deadLetters';
export {
  analyzeDeadLetters,
  errorPattern,
  type DeadLetterAnalysis,
  type PatternGroup,
} from './engine/deadLetterAnalysis';
export { writeFileAtomicSync } from './storage/atomicFile';
export type { AgentResult } from './mapreduce/jobState';
export { mergeSession } from './engine/merge';
export { planRestore, restoreCheckpoint } from './engine/restore';
export { previewWorkflow } from './engine/preview';
export type { EngineOptions, RetryReport, RunOutcome } from './engine/options';
export type { MergeOutcome, MergePolicy, MergeDecision, MergeQuestion } from './engine/mergeBack';

// ---- Claude calls: usage, kept streams, transcripts
export {
  ClaudeCallTracker,
  claudeCodeTranscriptPath,
  formatCost,
  formatDuration,
  formatTokens,
  latestStreamLog,
  readTotals,
  renderTranscript,
  streamLogDir,
  totalTokens,
  truncate,
  usageLine,
  type Activity,
  type ClaudeCall,
  type ClaudeTokens,
  type ClaudeTotals,
  type Transcript,
  type TranscriptLink,
} from './claude';
