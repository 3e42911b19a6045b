// Which items of a running foreach are done, kept on disk as each one finishes, so a foreach stopped or killed
// midway resumes with only its unfinished items. A step's checkpoint is written only when the whole step ends,
// so this lives beside the checkpoints, in our own snapshots folder (H/state/{id}/snapshots/, whose names
// Prodigy's `*.checkpoint.json` readers never match): `foreach-{key}.json` = {step, total, done: [indices]}.
// The key is the step, the pass (ITERATION, ARG), the MapReduce item and the items themselves: the same step
// over other items, or in another pass, starts afresh. The file is removed when the step is through.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { HomePaths } from '../storage/paths';
import type { WorkflowStep } from '../workflow/model';
import type { RunContext } from './runContext';

export class ForeachProgress {
  private constructor(
    /** null: nowhere to keep it (a context outside a Prodigy home); the foreach runs every item. */
    private readonly file: string | null,
    private readonly step: string,
    private readonly total: number,
    private readonly done: Set<number>,
  ) {}

  static open(ctx: RunContext, step: WorkflowStep, items: unknown[]): ForeachProgress {
    const file = progressFile(ctx, step, items);
    return new ForeachProgress(file, step.display, items.length, file ? readDone(file, items.length) : new Set());
  }

  isDone(index: number): boolean {
    return this.done.has(index);
  }

  /** Written before the next item starts (atomically: a kill leaves the old list or the new one). */
  markDone(index: number): void {
    this.done.add(index);
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const done = [...this.done].sort((a, b) => a - b);
    writeFileAtomicSync(this.file, `${JSON.stringify({ step: this.step, total: this.total, done })}\n`);
  }

  clear(): void {
    if (this.file) fs.rmSync(this.file, { force: true });
  }
}

/**
 * Forgets every foreach's progress of a session: a restore takes the files back to before those items ran, so a
 * resume must run them again rather than skip them as done.
 */
export function clearForeachProgress(paths: HomePaths, sessionId: string): void {
  const dir = paths.snapshotsDir(sessionId);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no snapshots folder: nothing kept
  }
  for (const name of names)
    if (/^foreach-[0-9a-f]+\.json$/.test(name)) fs.rmSync(path.join(dir, name), { force: true });
}

/**
 * H/state/{id}/snapshots/foreach-{key}.json. The home is the one the run keeps its Claude streams in
 * (H/logs/claude-streaming), the one path of the home every run context carries.
 */
function progressFile(ctx: RunContext, step: WorkflowStep, items: unknown[]): string | null {
  const streams = path.resolve(ctx.claudeLogDir);
  if (path.basename(streams) !== 'claude-streaming' || path.basename(path.dirname(streams)) !== 'logs') return null;
  const home = path.dirname(path.dirname(streams));
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        step.display,
        step.position ?? null,
        ctx.itemId ?? null,
        ctx.vars.ITERATION ?? null,
        ctx.vars.ARG ?? null,
        items,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  return path.join(new HomePaths(home).snapshotsDir(ctx.sessionId), `foreach-${key}.json`);
}

function readDone(file: string, total: number): Set<number> {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { total?: unknown; done?: unknown };
    if (data.total !== total || !Array.isArray(data.done)) return new Set();
    return new Set(data.done.filter((i): i is number => Number.isInteger(i) && i >= 0 && i < total));
  } catch {
    return new Set(); // none yet, or unreadable: every item runs
  }
}
