// What a run reports while it goes: the CLI prints it, the extension's tree, status bar and
// output channel subscribe to it. Text is already masked.
import type { SessionStatus } from '../model/session';
import type { Activity } from '../claude/callTracker';
import type { ClaudeCall, ClaudeTotals } from '../claude/types';

export type OutputStream = 'stdout' | 'stderr';
export type MessageLevel = 'info' | 'progress' | 'success' | 'warning' | 'error';

export type EngineEvent =
  | {
      type: 'session-created';
      sessionId: string;
      workflowName: string;
      workflowPath: string;
      totalSteps: number;
      worktree: string | null;
    }
  | { type: 'step-started'; sessionId: string; index: number; total: number; display: string }
  | {
      type: 'step-finished';
      sessionId: string;
      index: number;
      total: number;
      display: string;
      success: boolean;
      /** Its `when:` was false: it did not run (success is true). */
      skipped?: boolean;
      durationMs: number;
      checkpointId?: string;
    }
  | { type: 'output'; sessionId: string; stream: OutputStream; line: string }
  /**
   * What Claude is doing, as a readable line (`🔧 Bash: cargo test`, the first line of a text, the usage at the
   * end); `tool` is the tool running now (null between tools). Only meaningful lines make events: the
   * thousands of partial-message lines of a stream make none.
   */
  | {
      type: 'claude-activity';
      sessionId: string;
      itemId: string | null;
      kind: Activity['kind'];
      text: string;
      tool: string | null;
    }
  /** A Claude call ended: its usage, and the session's sums with it. */
  | { type: 'claude-call'; sessionId: string; itemId: string | null; call: ClaudeCall; totals: ClaudeTotals }
  /**
   * A `foreach:` step's items: sent as each item starts (`current` is its label) and as each finishes. `done`
   * counts the items finished (failed ones too, under continue_on_error; on a resume, those done before), of
   * `total`. `itemId` names the MapReduce item whose agent runs the foreach (null in the main run).
   */
  | {
      type: 'foreach-progress';
      sessionId: string;
      itemId: string | null;
      step: string;
      done: number;
      total: number;
      current?: string;
    }
  | { type: 'message'; sessionId: string | null; level: MessageLevel; text: string }
  | { type: 'session-finished'; sessionId: string; status: SessionStatus; error: string | null }
  | { type: 'phase'; sessionId: string; phase: 'Setup' | 'Map' | 'Reduce' | 'Complete'; total: number }
  | {
      type: 'agent-started';
      sessionId: string;
      itemId: string;
      agentId: string;
      running: number;
      /** This item's attempt in this run (1 the first; on_item_failure: retry counts up). */
      attempt?: number;
      /** The slot worktree the agent runs in. */
      worktree?: string;
    }
  | {
      type: 'agent-finished';
      sessionId: string;
      itemId: string;
      agentId: string;
      success: boolean;
      error: string | null;
      processed: number;
      failed: number;
      total: number;
      durationMs?: number;
      /** The commit its work ended at, when it made one. */
      commits?: string[];
      /** Its (last) Claude stream, else its own log. */
      jsonLogLocation?: string | null;
    }
  /** An agent failed and its item runs again (on_item_failure: retry) after `backoffMs`. */
  | { type: 'agent-retrying'; sessionId: string; itemId: string; error: string; attempt: number; backoffMs: number }
  /** A failed item went to the dead-letter queue (its signature: a hash of the error; its failures so far). */
  | { type: 'dlq-item-added'; sessionId: string; itemId: string; errorSignature: string; failureCount: number }
  /** A MapReduce phase checkpoint was recorded (a standard run's step checkpoints come with `step-finished`). */
  | { type: 'checkpoint-saved'; sessionId: string; checkpointId: string; label: string; agentsCompleted: number };

export type EngineListener = (event: EngineEvent) => void;
