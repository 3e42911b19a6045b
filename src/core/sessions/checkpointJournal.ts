// A session's checkpoint history as an append-only journal (H/state/{id}/snapshots/journal.jsonl):
// one line per step checkpoint, pointing at its parent, so the state at any checkpoint can be
// rebuilt (a restore) without writing a whole snapshot file per step. Appending a line is far
// cheaper than creating a file (see bench/engine.mjs). Only the run holding the session's resume
// lock appends. A crash (or a full disk) can leave a partial last line: it is the update in flight,
// ignored by readers and cut off before the next append, so no later line is ever glued onto it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletedStep } from '../model/workflowCheckpoint';
import { writeAllSync, writeFailure } from '../storage/fileWrite';

/** What a Prodigy checkpoint file repeats on every save; carried per line so any line rebuilds one. */
export interface JournalBase {
  workflow_id: string;
  workflow_hash: string;
  total_steps: number;
  workflow_name: string | null;
  workflow_path: string | null;
  start_time: string;
}

export interface JournalStepLine {
  type: 'step';
  checkpoint_id: string;
  /** The checkpoint this one continues from (null: the start of the session). */
  parent: string | null;
  created_at: string;
  step: CompletedStep;
  /** The worktree's commit after the step. */
  commit: string | null;
  /** All variables after the step, masked. */
  variables: Record<string, unknown>;
  workflow_data: unknown;
  base: JournalBase;
}

/** A restore moved the session to `checkpoint_id`: the next step continues from there. */
export interface JournalHeadLine {
  type: 'head';
  checkpoint_id: string;
  created_at: string;
}

export type JournalLine = JournalStepLine | JournalHeadLine;

export class CheckpointJournal {
  private fd: number | undefined;
  /** The journal's length after its last complete line: where a failed append is taken back to. */
  private size = 0;

  constructor(readonly file: string) {}

  /** Appends one line; a failed write is taken back (the line is not in the journal) and thrown. */
  append(line: JournalLine): void {
    const fd = this.open();
    const text = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    try {
      writeAllSync(fd, text, this.file);
    } catch (err) {
      // Part of the line may be on disk: cut it off now (on a full disk, truncating frees space), and
      // look at the tail again on the next append in case even that failed.
      try {
        fs.ftruncateSync(fd, this.size);
      } catch {
        // the next open repairs the tail
      }
      this.close();
      throw err;
    }
    this.size += text.length;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // Read access too, to look at the tail before the first append.
    const fd = fs.openSync(this.file, 'a+', 0o644);
    try {
      this.size = repairTail(fd, this.file);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    this.fd = fd;
    return fd;
  }

  static read(file: string): JournalLine[] {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const lines: JournalLine[] = [];
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      try {
        lines.push(JSON.parse(raw) as JournalLine);
      } catch {
        // A line cut short by a crash: the update that was in flight.
      }
    }
    return lines;
  }
}

/**
 * Makes the journal end with a complete line before anything is appended, and returns its length. A last
 * line without its newline was being written when a run crashed or the disk filled: if it is whole JSON
 * (only the newline was lost) it gets its newline; otherwise it is cut off, as it was never acknowledged.
 */
function repairTail(fd: number, file: string): number {
  const size = fs.fstatSync(fd).size;
  if (size === 0 || lastByte(fd, size - 1) === 0x0a) return size;
  let start = size - 1;
  const chunk = Buffer.alloc(64 * 1024);
  while (start > 0) {
    const from = Math.max(0, start - chunk.length);
    const n = fs.readSync(fd, chunk, 0, start - from, from);
    const at = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (at !== -1) {
      start = from + at + 1;
      break;
    }
    start = from;
  }
  const tail = Buffer.alloc(size - start);
  fs.readSync(fd, tail, 0, tail.length, start);
  try {
    if (wholeLine(tail.toString('utf8'))) {
      writeAllSync(fd, '\n', file);
      return size + 1;
    }
    fs.ftruncateSync(fd, start);
  } catch (err) {
    throw writeFailure(file, err);
  }
  return start;
}

function lastByte(fd: number, at: number): number {
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  return b[0];
}

function wholeLine(text: string): boolean {
  try {
    const line = JSON.parse(text) as Partial<JournalLine> | null;
    return typeof line?.checkpoint_id === 'string' && (line.type === 'step' || line.type === 'head');
  } catch {
    return false;
  }
}

/** Where the next step continues from: the last line's checkpoint. */
export function journalHead(lines: JournalLine[]): string | null {
  return lines.length ? lines[lines.length - 1].checkpoint_id : null;
}

/**
 * The step checkpoints of the session's current timeline: the head and its ancestors. A chain
 * passing through a checkpoint that is not a journal step (a restore's safety checkpoint)
 * continues at the journal checkpoint `throughSnapshot` says it was taken at. Null when the
 * timeline cannot be followed back to a step (no journal, or an older safety checkpoint).
 */
export function currentTimeline(
  lines: JournalLine[],
  throughSnapshot: (id: string) => string | null,
): Set<string> | null {
  const byId = new Map<string, JournalStepLine>();
  for (const l of lines) if (l.type === 'step') byId.set(l.checkpoint_id, l);
  const timeline = new Set<string>();
  const seen = new Set<string>();
  let cur = journalHead(lines);
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    const line = byId.get(cur);
    if (line) {
      timeline.add(cur);
      cur = line.parent;
      continue;
    }
    const next = throughSnapshot(cur);
    if (next === null) return timeline.size ? timeline : null;
    cur = next;
  }
  return timeline.size ? timeline : null;
}

/**
 * The Prodigy checkpoint content at `checkpointId`: its line's variables and data, and the
 * completed steps along its chain of parents (a chain may start at a checkpoint saved as a
 * snapshot file, e.g. the safety checkpoint of a restore: `fromFile` supplies it).
 */
export function rebuildFromJournal(
  lines: JournalLine[],
  checkpointId: string,
  fromFile: (id: string) => Record<string, unknown> | null,
): Record<string, unknown> | null {
  const byId = new Map<string, JournalStepLine>();
  for (const l of lines) if (l.type === 'step') byId.set(l.checkpoint_id, l);
  const target = byId.get(checkpointId);
  if (!target) return null;
  const steps: CompletedStep[] = [];
  const seen = new Set<string>();
  let cur: string | null = checkpointId;
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    const line = byId.get(cur);
    if (!line) {
      const base = fromFile(cur);
      if (Array.isArray(base?.completed_steps)) steps.unshift(...(base.completed_steps as CompletedStep[]));
      break;
    }
    steps.unshift(line.step);
    cur = line.parent;
  }
  // A step re-run after a restore appears once, at its latest run.
  const completed = [...new Map(steps.map((s) => [s.step_index, s])).values()].sort(
    (a, b) => a.step_index - b.step_index,
  );
  const { base } = target;
  return {
    workflow_id: base.workflow_id,
    execution_state: {
      current_step_index: target.step.step_index + 1,
      total_steps: base.total_steps,
      status: 'Running',
      start_time: base.start_time,
      last_checkpoint: target.created_at,
      current_iteration: 1,
      total_iterations: 1,
    },
    completed_steps: completed,
    variable_state: target.variables,
    mapreduce_state: null,
    timestamp: target.created_at,
    version: 1,
    workflow_hash: base.workflow_hash,
    total_steps: base.total_steps,
    workflow_name: base.workflow_name,
    workflow_path: base.workflow_path,
    retry_checkpoint_state: null,
    variable_checkpoint_state: null,
    session_id: null,
    checkpoint_id: target.checkpoint_id,
    created_at: target.created_at,
    workflow_data: target.workflow_data,
    mapreduce_data: null,
  };
}
