// The variables a step leaves behind besides its captures: `${id.output}`, `${id.exit_code}`, `${id.success}`
// and its named `outputs:` (a file it produced, by `file_pattern`), and the git context (`step.*`, `workflow.*`).
// Set by executeStep in every phase, kept in the run's variables, so a checkpoint (and a resume) has them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fg from 'fast-glob';
import { ProdigyError } from '../errors';
import { headCommit } from '../git';
import type { Workflow, WorkflowStep } from '../workflow/model';
import { outputText } from './capture';
import type { CommandResult } from './commands';
import { matchesGlob } from './computedValues';
import { changesSince, gitContextVariables, untrackedSet, type GitChanges } from './gitContext';
import type { RunContext } from './runContext';

/** Kept with the variables (Prodigy's `__*` internal keys): where `workflow.*` counts from, across a resume. */
export const WORKFLOW_START_COMMIT = '__workflow_start_commit';
const WORKFLOW_START_UNTRACKED = '__workflow_start_untracked';
/** The internal keys a resume keeps (it drops Prodigy's other `__*` keys). */
export const WORKFLOW_START_KEYS: readonly string[] = [WORKFLOW_START_COMMIT, WORKFLOW_START_UNTRACKED];

/**
 * `${step.name}` (its name:, else its id:, else how it is shown: `shell: cargo test`) and `${step.index}` (zero-based,
 * in its phase's list), as Prodigy documents them (variables/standard-variables) for every phase. Set by each phase's
 * loop just before it runs the step; a handler (on_failure, on_exit_code) sees its step's.
 */
export function enterStep(ctx: RunContext, step: WorkflowStep, index: number): void {
  ctx.vars['step.name'] = step.name ?? step.id ?? step.display;
  ctx.vars['step.index'] = String(index);
}

/** Where a step started, in git: what `step.*` and `outputs:` are measured against. */
export interface StepMark {
  cwd: string;
  base: string;
  untracked: Set<string>;
  changes?: GitChanges;
}

// Git context costs a few git calls per step: only a workflow that reads it pays them.
const GIT_CONTEXT_USE = /\$\{(?:step|workflow)\.(?:files_|commit|insertions|deletions)/;
const usesGitContext = new WeakMap<Workflow, boolean>();

function tracksGit(workflow: Workflow): boolean {
  let uses = usesGitContext.get(workflow);
  if (uses === undefined) {
    uses = GIT_CONTEXT_USE.test(JSON.stringify(workflow));
    usesGitContext.set(workflow, uses);
  }
  return uses;
}

/** Before a step's command runs: its starting commit (and the workflow's, at the first step that needs one). */
export async function beginStep(step: WorkflowStep, ctx: RunContext, cwd: string): Promise<StepMark | null> {
  if (!ctx.git && tracksGit(ctx.workflow) && ctx.vars['step.files_added'] === undefined) {
    // Outside a git repository the docs give empty values, not unset ones.
    const none: GitChanges = { added: [], modified: [], deleted: [], commits: [], insertions: 0, deletions: 0 };
    Object.assign(ctx.vars, gitContextVariables('step', none), gitContextVariables('workflow', none));
  }
  if (!ctx.git || !(step.outputs || tracksGit(ctx.workflow))) return null;
  const base = await headCommit(cwd).catch(() => null);
  if (!base) return null;
  const untracked = await untrackedSet(cwd);
  if (typeof ctx.vars[WORKFLOW_START_COMMIT] !== 'string') {
    ctx.vars[WORKFLOW_START_COMMIT] = base;
    ctx.vars[WORKFLOW_START_UNTRACKED] = [...untracked];
  }
  return { cwd, base, untracked };
}

/**
 * After the command ran (succeeded or not): `${id.output|exit_code|success}` and, when tracked, what the step and
 * the workflow so far changed in git.
 */
export async function endStep(
  step: WorkflowStep,
  ctx: RunContext,
  mark: StepMark | null,
  res: CommandResult,
): Promise<void> {
  if (step.id) {
    ctx.vars[`${step.id}.output`] = outputText(res.stdout);
    ctx.vars[`${step.id}.exit_code`] = res.exitCode;
    ctx.vars[`${step.id}.success`] = res.success;
  }
  if (!mark) return;
  mark.changes = await changesSince(mark.cwd, mark.base, mark.untracked);
  Object.assign(ctx.vars, gitContextVariables('step', mark.changes));
  const start = ctx.vars[WORKFLOW_START_COMMIT];
  if (typeof start === 'string' && tracksGit(ctx.workflow)) {
    const before = ctx.vars[WORKFLOW_START_UNTRACKED];
    const untracked = new Set(Array.isArray(before) ? before.map(String) : []);
    Object.assign(ctx.vars, gitContextVariables('workflow', await changesSince(mark.cwd, start, untracked)));
  }
}

/**
 * `outputs: {name: {file_pattern}}` → `${id.name}`, the absolute path of the file. The docs give two places to
 * look, and both are used, in this order: the files the step added or changed (Prodigy's code: the last commit's
 * files), then the step's folder (the docs' reference: "matching the pattern from the step's working directory"),
 * the newest match. A pattern with `*`, `?` or `{}` is a glob (on the name, or the path when it has a `/`); one
 * without is a part of the file's name. No match fails the step.
 */
export function resolveOutputs(step: WorkflowStep, ctx: RunContext, mark: StepMark | null, cwd: string): void {
  if (!step.outputs) return;
  const prefix = step.id ?? 'outputs';
  for (const [name, spec] of Object.entries(step.outputs)) {
    const pattern = spec.file_pattern;
    const fits = (file: string) =>
      /[*?{]/.test(pattern) ? matchesGlob(file, pattern) : path.basename(file).includes(pattern);
    const changed = mark?.changes ? [...mark.changes.added, ...mark.changes.modified] : [];
    let found = changed.find(fits);
    if (found) found = path.resolve(mark!.cwd, found);
    else {
      const glob = /[*?{]/.test(pattern) ? (pattern.includes('/') ? pattern : `**/${pattern}`) : `**/*${pattern}*`;
      const matches = fg
        .sync(glob, { cwd, absolute: true, onlyFiles: true, dot: false, ignore: ['**/.git/**', '**/node_modules/**'] })
        .map((f) => ({ f, t: fs.statSync(f).mtimeMs }))
        .sort((a, b) => b.t - a.t);
      found = matches[0]?.f;
    }
    if (!found)
      throw new ProdigyError(
        `outputs.${name}: no file matches ${JSON.stringify(pattern)} among the files the step changed or in ${cwd}`,
      );
    ctx.vars[`${prefix}.${name}`] = found;
  }
}
