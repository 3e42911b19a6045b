// Every command the extension registers, by area: run.ts (runs), restore.ts (going back), housekeeping.ts
// (tidying the home), views.ts (showing), claude.ts (a session's Claude calls), mapReduce.ts (a job's rows),
// worktrees.ts (worktrees no row offers to remove), demo.ts (the walkthrough's demo workflow).
// A handler takes whatever invoked it and turns it into a typed target itself (targets.ts), and reads the
// answers it would ask for from an args object (answers.ts).
import * as vscode from 'vscode';
import { claudeCommands } from './claude';
import type { CommandContext } from './context';
import { demoCommands } from './demo';
import { housekeepingCommands } from './housekeeping';
import { mapReduceCommands } from './mapReduce';
import { restoreCommands } from './restore';
import { runCommands } from './run';
import { viewCommands } from './views';
import { worktreeCommands } from './worktrees';

export type { CommandContext } from './context';

export function registerCommands(context: CommandContext): vscode.Disposable {
  const table = {
    ...runCommands(context),
    ...restoreCommands(context),
    ...housekeepingCommands(context),
    ...viewCommands(context),
    ...claudeCommands(context),
    ...mapReduceCommands(context),
    ...worktreeCommands(context),
    ...demoCommands(context),
  };
  return vscode.Disposable.from(
    ...Object.entries(table).map(([id, handler]) => vscode.commands.registerCommand(id, handler)),
  );
}
