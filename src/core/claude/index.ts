// Claude Code calls: reading their stream-json output, following a call as it runs, summing calls, the kept
// streams and their transcripts. The folder's API; the rest of the core imports it from here.
export type { ClaudeCall, ClaudeTotals, ClaudeTokens } from './types';
export * from './streamParser';
export {
  formatTokens,
  formatCost,
  formatDuration,
  toolLabel,
  usageLine,
  totalTokens,
  relativeTo,
  truncate,
  firstLine,
  type UsageFacts,
} from './format';
export { ClaudeCallTracker, resultError, type Activity } from './callTracker';
export { emptyTotals, addCall, sumCalls, readTotals } from './totals';
export { renderTranscript, claudeCodeTranscriptPath, type Transcript, type TranscriptLink } from './transcript';
export { clipLines } from './toolDetails';
export { streamLogDir, streamLogName, StreamLogWriter, StreamLogTail, latestStreamLog } from './streamLog';
