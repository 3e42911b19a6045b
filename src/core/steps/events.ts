// What a run reports while it goes: the CLI prints it, the extension's tree, status bar and
// output channel subscribe to it. Text is already masked.
import type { SessionStatus } from '../model/session';

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
      durationMs: number;
      checkpointId?: string;
    }
  | { type: 'output'; sessionId: string; stream: OutputStream; line: string }
  | { type: 'message'; sessionId: string | null; level: MessageLevel; text: string }
  | { type: 'session-finished'; sessionId: string; status: SessionStatus; error: string | null }
  | { type: 'phase'; sessionId: string; phase: 'Setup' | 'Map' | 'Reduce' | 'Complete'; total: number }
  | { type: 'agent-started'; sessionId: string; itemId: string; agentId: string; running: number }
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
    };

export type EngineListener = (event: EngineEvent) => void;
