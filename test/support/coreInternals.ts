// The unit tests' way into the core (bundled as dist/test/core-internals.js): the public surface of
// src/core/index.ts, plus the internals tests check directly (the transition table, schemas, the
// expression languages, work items, interpolation). The extension and the CLI never use this.
export * from '../../src/core/index';
export type * from '../../src/core/sessions/sessionManager';
export {
  TRANSITIONS,
  RESTORABLE_FROM,
  ACTIVE_STATUSES,
  canTransition,
  isTerminal,
} from '../../src/core/lifecycle/transitions';
export { UnifiedSession, SessionType, effectiveType } from '../../src/core/model/session';
export { WorkflowCheckpoint } from '../../src/core/model/workflowCheckpoint';
export { LegacySessionState } from '../../src/core/model/legacySession';
export { resolveHome, HomePaths } from '../../src/core/storage/paths';
export { ResumeLockedError, acquireResumeLock } from '../../src/core/sessions/resumeLock';
export * as git from '../../src/core/git';
export { removeSessionWorktree } from '../../src/core/git';
export { ClaudeNotFoundError } from '../../src/core/steps/commands';
export { interpolate, renderValue, resolveVariable, referencedVariables } from '../../src/core/steps/interpolation';
export { RunPlan } from '../../src/core/runs/runPlan';
export * from '../../src/core/mapreduce/workItems';
export {
  readWorkItemsInput,
  documentFromOutput,
  INPUT_COMMAND_TIMEOUT_MS,
} from '../../src/core/mapreduce/workItemsInput';
export { compileFilter } from '../../src/core/expressions/filter';
export { evaluateJsonPath, compileJsonPath } from '../../src/core/expressions/jsonPath';
export { compileSortBy } from '../../src/core/expressions/sortBy';
export { compileCondition } from '../../src/core/expressions/condition';
export { ExpressionSyntaxError } from '../../src/core/expressions/syntaxError';
export { runProcess } from '../../src/core/process/runProcess';
export * from '../../src/core/claude';
export { backoffDelay, jittered, isRetryable, runWithRetry } from '../../src/core/steps/retry';
export { CircuitBreaker } from '../../src/core/mapreduce/circuitBreaker';
export { ErrorReport } from '../../src/core/mapreduce/errorReport';
export { agentTimeouts } from '../../src/core/mapreduce/timeouts';
export { EventLog } from '../../src/core/runs/eventLog';
