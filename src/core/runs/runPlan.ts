// Iterations (`-n N`) and inputs (`--args a --args b`, `--map 'specs/*.md'`), prodigy-workflows.md
// §6.5–6.6: the whole step list runs once per pass. A run is the flat sequence of every pass's
// steps, so checkpoints, resume and restore keep working on one step index: pass × steps + step.
import * as path from 'node:path';
import fg from 'fast-glob';
import { ProdigyError } from '../errors';
import type { UnifiedSession } from '../model/session';

export interface Pass {
  /** 0-based position among all passes. */
  index: number;
  /** 1-based, as `${ITERATION}` gives it. */
  iteration: number;
  /** The input this pass runs with (`${ARG}`), or null without inputs. */
  input: string | null;
  /** 1-based position of the input among the inputs (1 without inputs). */
  inputNumber: number;
}

/** The variables a pass sets as it starts: `${ITERATION}`, and `${ARG}` when it runs an input. */
export function passVariables(pass: Pass): { ITERATION: number; ARG?: string } {
  return pass.input !== null ? { ITERATION: pass.iteration, ARG: pass.input } : { ITERATION: pass.iteration };
}

export class RunPlan {
  readonly iterations: number;

  constructor(
    readonly stepsPerPass: number,
    iterations = 1,
    readonly inputs: readonly string[] = [],
  ) {
    if (!Number.isInteger(iterations) || iterations < 1)
      throw new ProdigyError(`The number of iterations must be a whole number of at least 1 (got ${iterations})`);
    this.iterations = iterations;
  }

  /** The plan a session was started with (kept in its metadata, so a resume rebuilds it). */
  static of(session: Pick<UnifiedSession, 'metadata'>, stepsPerPass: number): RunPlan {
    const m = session.metadata;
    const iterations =
      typeof m.iterations === 'number' && Number.isInteger(m.iterations) && m.iterations > 0 ? m.iterations : 1;
    const inputs = Array.isArray(m.inputs) ? m.inputs.map(String) : [];
    return new RunPlan(stepsPerPass, iterations, inputs);
  }

  get passes(): number {
    return Math.max(1, this.inputs.length) * this.iterations;
  }

  get totalSteps(): number {
    return this.passes * this.stepsPerPass;
  }

  get single(): boolean {
    return this.passes === 1;
  }

  stepOf(globalIndex: number): number {
    return globalIndex % this.stepsPerPass;
  }

  passOf(globalIndex: number): Pass {
    return this.pass(Math.floor(globalIndex / this.stepsPerPass));
  }

  pass(index: number): Pass {
    const inputIndex = Math.floor(index / this.iterations);
    return {
      index,
      iteration: (index % this.iterations) + 1,
      input: this.inputs[inputIndex] ?? null,
      inputNumber: inputIndex + 1,
    };
  }

  /** The passes after `pass` that run the same input (what an early stop skips). */
  laterIterationsOf(pass: Pass): number[] {
    const out: number[] = [];
    for (let i = pass.index + 1; i < this.passes && this.pass(i).inputNumber === pass.inputNumber; i++) out.push(i);
    return out;
  }

  /** "iteration 2/3", "input 65 [2/4]", both, or null when the run has one pass. */
  label(pass: Pass): string | null {
    const parts: string[] = [];
    if (this.inputs.length > 1) parts.push(`input ${pass.input} [${pass.inputNumber}/${this.inputs.length}]`);
    if (this.iterations > 1) parts.push(`iteration ${pass.iteration}/${this.iterations}`);
    return parts.length ? parts.join(', ') : null;
  }
}

/**
 * `--map` patterns → inputs: each matching file's stem cut at the first `-`
 * (`specs/65-cook-refactor.md` → `65`), in sorted order, as Prodigy does.
 */
export function inputsFromPatterns(patterns: string[], cwd: string): string[] {
  const inputs: string[] = [];
  for (const pattern of patterns) {
    const files = fg.sync(pattern, { cwd, onlyFiles: true, dot: false }).sort();
    if (files.length === 0) throw new ProdigyError(`--map ${pattern}: no files match in ${cwd}`);
    for (const file of files) {
      const stem = path.basename(file, path.extname(file));
      inputs.push(stem.split('-')[0] || stem);
    }
  }
  return inputs;
}
