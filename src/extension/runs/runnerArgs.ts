// Whether runs are detached (`prodigy.runs.detached`), and a detached runner's command line: the window's
// settings and the run's request as `prodigy-vscode` flags and environment, and the CLI's one-line error read
// back from the runner's own output.
import * as vscode from 'vscode';
import { DEFAULT_CLAUDE_CONFIG } from '../../core';
import type { ExtensionSettings } from '../config';
import type { RunRequest } from './activeRun';

/** `prodigy.runs.detached`: run the engine in a process that outlives the window (default), or in it. */
export function detachedRuns(): boolean {
  return vscode.workspace.getConfiguration('prodigy').get<boolean>('runs.detached') !== false;
}

/** The settings an in-window run passes to the engine, as the runner's flags (`--home` is added by startRunner). */
export function runnerFlags(settings: ExtensionSettings): string[] {
  const { claude } = settings;
  const flags = ['--claude-command', claude.command, '--merge-conflicts', settings.mergeConflicts];
  // run, resume and dlq retry all take these.
  if (JSON.stringify(claude.args) !== JSON.stringify(DEFAULT_CLAUDE_CONFIG.args))
    flags.push('--claude-args', JSON.stringify(claude.args));
  if (claude.maxCostUsd !== undefined) flags.push('--max-cost', String(claude.maxCostUsd));
  // `ask` is asked here once the runner is done (it has no one to ask and keeps the branch); `never` keeps it.
  if (settings.merge === 'always') flags.push('--yes');
  return flags;
}

/** What only a new run takes: the worktree setting, `-n`, the inputs. */
export function newRunFlags(settings: ExtensionSettings, request: RunRequest): string[] {
  const flags: string[] = [];
  if (!settings.worktreeEnabled) flags.push('--no-worktree');
  if (request.iterations !== undefined) flags.push('--max-iterations', String(request.iterations));
  // One input is still a pass plan in the CLI only when given as --map; --args X alone would set ${ARG} only.
  for (const input of request.inputs ?? []) flags.push('--args', input);
  if (request.profile) flags.push('--profile', request.profile);
  for (const [name, value] of Object.entries(request.parameters ?? {})) flags.push('--param', `${name}=${value}`);
  return flags;
}

export function runnerEnv(settings: ExtensionSettings): NodeJS.ProcessEnv {
  return settings.claude.streaming === false ? { PRODIGY_CLAUDE_STREAMING: 'false' } : {};
}

/** The CLI's one-line error (`prodigy-vscode: …`, `prodigy-vscode run: …`), without its prefix; null if none. */
export function runnerError(output: string): string | null {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('prodigy-vscode'));
  return line ? line.replace(/^prodigy-vscode[^:]*: /, '') : null;
}
