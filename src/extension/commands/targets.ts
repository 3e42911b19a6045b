// What a command acts on, whoever invoked it: a tree row (its menu or inline button; with several rows
// selected, the selection comes as a second argument), an id (the status bar, a notification), a Uri (the
// explorer, the editor title, the Run lens) or an args object (tests, links, other commands). The functions
// here turn each into one typed target through named type guards, so handlers never look at the caller.
import * as vscode from 'vscode';
import type { CheckpointSummary } from '../../core';
import {
  AgentNode,
  CheckpointNode,
  DeadLetterNode,
  LoadMoreNode,
  MessageNode,
  SessionNode,
  UnreadableNode,
  type TreeNode,
} from '../sessionsTree/nodes';

export interface SessionTarget {
  readonly sessionId: string;
}

export interface CheckpointTarget {
  readonly sessionId: string;
  readonly checkpointId: string;
}

/** One MapReduce work item's agent log. */
export interface AgentLogTarget {
  readonly sessionId: string;
  readonly itemId: string;
}

/**
 * What Show Claude Transcript shows: a session's latest Claude call, a checkpoint's step, or a MapReduce
 * item's agent. A row brings what it already knows (the checkpoint, a failed item's kept stream).
 */
export type TranscriptTarget =
  | { readonly kind: 'session'; readonly sessionId: string }
  | {
      readonly kind: 'checkpoint';
      readonly sessionId: string;
      readonly checkpointId: string;
      readonly checkpoint?: CheckpointSummary;
    }
  | { readonly kind: 'item'; readonly sessionId: string; readonly itemId: string; readonly stream?: string | null };

/** A session record file: a session's, or one that could not be read. */
export interface RecordFileTarget {
  readonly file: string;
}

// ---- Type guards

export function isSessionNode(arg: unknown): arg is SessionNode {
  return arg instanceof SessionNode;
}

export function isCheckpointNode(arg: unknown): arg is CheckpointNode {
  return arg instanceof CheckpointNode;
}

/** A MapReduce agent running now. */
export function isAgentNode(arg: unknown): arg is AgentNode {
  return arg instanceof AgentNode;
}

/** A failed work item (in the dead-letter queue). */
export function isDeadLetterNode(arg: unknown): arg is DeadLetterNode {
  return arg instanceof DeadLetterNode;
}

export function isUnreadableNode(arg: unknown): arg is UnreadableNode {
  return arg instanceof UnreadableNode;
}

export function isTreeNode(arg: unknown): arg is TreeNode {
  return (
    isSessionNode(arg) ||
    isCheckpointNode(arg) ||
    isAgentNode(arg) ||
    isDeadLetterNode(arg) ||
    isUnreadableNode(arg) ||
    arg instanceof LoadMoreNode ||
    arg instanceof MessageNode
  );
}

/** An args object: a plain object from a test, a link or another command (not a tree row, not a Uri). */
export function isArgs(arg: unknown): arg is Readonly<Record<string, unknown>> {
  return (
    typeof arg === 'object' && arg !== null && !Array.isArray(arg) && !isTreeNode(arg) && !(arg instanceof vscode.Uri)
  );
}

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}

/** A field of an args object, if it has the expected type (a field of another type reads as absent). */
export function field<T>(arg: unknown, key: string, is: (value: unknown) => value is T): T | undefined {
  if (!isArgs(arg)) return undefined;
  const value = arg[key];
  return is(value) ? value : undefined;
}

// ---- Targets

/** A session row, any row under a session (its session), an id, or `{ sessionId }`. */
export function toSessionTarget(arg: unknown): SessionTarget | undefined {
  if (isSessionNode(arg)) return { sessionId: arg.summary.id };
  if (isCheckpointNode(arg) || isAgentNode(arg) || isDeadLetterNode(arg)) return { sessionId: arg.parent.summary.id };
  if (isNonEmptyString(arg)) return { sessionId: arg };
  const sessionId = field(arg, 'sessionId', isNonEmptyString);
  return sessionId === undefined ? undefined : { sessionId };
}

/**
 * Several sessions: `{ sessionIds }` (even empty: the caller chose none), else the selected session rows,
 * else one target. Undefined when the caller named none (ask).
 */
export function toSessionTargets(arg: unknown, selection: unknown): SessionTarget[] | undefined {
  const ids = field(arg, 'sessionIds', isStringArray);
  if (ids) return ids.map((sessionId) => ({ sessionId }));
  const selected = Array.isArray(selection) ? selection.filter(isSessionNode) : [];
  if (selected.length > 0) return selected.map((node) => ({ sessionId: node.summary.id }));
  const one = toSessionTarget(arg);
  return one ? [one] : undefined;
}

/** A checkpoint row, or `{ sessionId, checkpointId }`. */
export function toCheckpointTarget(arg: unknown): CheckpointTarget | undefined {
  if (isCheckpointNode(arg)) return { sessionId: arg.parent.summary.id, checkpointId: arg.checkpoint.id };
  const sessionId = field(arg, 'sessionId', isNonEmptyString);
  const checkpointId = field(arg, 'checkpointId', isNonEmptyString);
  return sessionId !== undefined && checkpointId !== undefined ? { sessionId, checkpointId } : undefined;
}

/** An agent's or a failed item's row, or `{ sessionId, itemId }`. */
export function toAgentLogTarget(arg: unknown): AgentLogTarget | undefined {
  if (isAgentNode(arg)) return { sessionId: arg.parent.summary.id, itemId: arg.itemId };
  if (isDeadLetterNode(arg)) return { sessionId: arg.parent.summary.id, itemId: arg.item.item_id };
  const sessionId = field(arg, 'sessionId', isNonEmptyString);
  const itemId = field(arg, 'itemId', isNonEmptyString);
  return sessionId !== undefined && itemId !== undefined ? { sessionId, itemId } : undefined;
}

/**
 * A checkpoint row or `{ sessionId, checkpointId }`; an agent's or a failed item's row or `{ sessionId, itemId }`;
 * else a session (its row, an id, `{ sessionId }`).
 */
export function toTranscriptTarget(arg: unknown): TranscriptTarget | undefined {
  if (isCheckpointNode(arg)) {
    const { sessionId, checkpointId } = toCheckpointTarget(arg)!;
    return { kind: 'checkpoint', sessionId, checkpointId, checkpoint: arg.checkpoint };
  }
  if (isDeadLetterNode(arg))
    return { kind: 'item', sessionId: arg.parent.summary.id, itemId: arg.item.item_id, stream: arg.claudeStream };
  const item = toAgentLogTarget(arg);
  if (item) return { kind: 'item', ...item };
  const checkpoint = toCheckpointTarget(arg);
  if (checkpoint) return { kind: 'checkpoint', ...checkpoint };
  const session = toSessionTarget(arg);
  return session ? { kind: 'session', ...session } : undefined;
}

/** A session row or an unreadable file's row. */
export function toRecordFileTarget(arg: unknown): RecordFileTarget | undefined {
  if (isSessionNode(arg)) return { file: arg.summary.file };
  if (isUnreadableNode(arg)) return { file: arg.file.file };
  return undefined;
}

/** A workflow file: a Uri (explorer, editor title, lens), a path, or `{ file }`. */
export function toWorkflowFileTarget(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (isNonEmptyString(arg)) return vscode.Uri.file(arg);
  const file = field(arg, 'file', isNonEmptyString);
  return file === undefined ? undefined : vscode.Uri.file(file);
}
