// Open Demo Workflow (the Get Started walkthrough's second step): writes Prodigy's demo workflow, a real workflow file
// shipped as media/walkthrough/prodigy-demo.workflow.yml, into the open folder and opens it. A file of that name that
// differs is replaced only when the user says so. A run needs a git repository with a commit (its worktree starts
// from one), so a folder without one is offered a first commit.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runGit } from '../../core';
import {
  askReplaceDemoWorkflow,
  showDemoNeedsFolder,
  showDemoNeedsRepository,
  showDemoRepositoryReady,
} from '../messages/demo';
import { guarded, type CommandContext, type CommandTable } from './context';
import { field, isNonEmptyString } from './targets';

/** The demo's file name: `*.workflow.yml`, so Run Workflow… lists it and the schema checks it. */
export const DEMO_WORKFLOW_FILE = 'prodigy-demo.workflow.yml';

/** What Open Demo Workflow would ask, passed by tests: the folder, whether to replace a different file, whether to make a first commit. */
interface DemoAnswers {
  readonly folder?: string;
  readonly replace?: boolean;
  readonly initRepository?: boolean;
}

function demoAnswers(arg: unknown): DemoAnswers {
  const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
  return {
    folder: field(arg, 'folder', isNonEmptyString),
    replace: field(arg, 'replace', isBoolean),
    initRepository: field(arg, 'initRepository', isBoolean),
  };
}

/** What a folder lacks for a run in a worktree: a repository, or a first commit in it. */
async function missingForRun(folder: string): Promise<'repository' | 'commit' | undefined> {
  const inside = await runGit(folder, ['rev-parse', '--is-inside-work-tree'], { allowFail: true });
  if (inside.code !== 0 || inside.stdout.trim() !== 'true') return 'repository';
  const head = await runGit(folder, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFail: true });
  return head.code === 0 ? undefined : 'commit';
}

/** `git init` when needed, then an empty first commit: what a worktree starts from. */
async function makeFirstCommit(folder: string, missing: 'repository' | 'commit'): Promise<void> {
  if (missing === 'repository') await runGit(folder, ['init', '-q']);
  await runGit(folder, ['commit', '--allow-empty', '-q', '-m', 'Initial commit']);
}

export function demoCommands({ extensionUri }: CommandContext): CommandTable {
  const template = vscode.Uri.joinPath(extensionUri, 'media', 'walkthrough', DEMO_WORKFLOW_FILE);

  return {
    // Returns the demo file's path once it is open (undefined: no folder, or the user kept a different file closed).
    'prodigy.openDemoWorkflow': async (arg) => {
      const answers = demoAnswers(arg);
      const folder = answers.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      if (!folder) {
        showDemoNeedsFolder();
        return undefined;
      }
      return guarded('could not open the demo workflow', async () => {
        const file = vscode.Uri.file(path.join(folder, DEMO_WORKFLOW_FILE));
        const demo = await vscode.workspace.fs.readFile(template);
        const existing = await vscode.workspace.fs.readFile(file).then(
          (bytes) => bytes,
          () => undefined,
        );
        if (existing === undefined || !sameBytes(existing, demo)) {
          const replace = existing === undefined || (answers.replace ?? (await askReplaceDemoWorkflow(folder)));
          if (replace === undefined) return undefined;
          if (replace) await vscode.workspace.fs.writeFile(file, demo);
        }
        // Beside the walkthrough (an editor itself) when it is in front, so both stay in view.
        const beside = !vscode.window.activeTextEditor && vscode.window.tabGroups.activeTabGroup.activeTab;
        await vscode.window.showTextDocument(file, {
          preview: false,
          viewColumn: beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
        });
        // Ticks the walkthrough's first step (a folder is open): VS Code sees a folder opened with the window only
        // as a context already true, which never completes a step.
        await vscode.commands.executeCommand('setContext', 'prodigy.demoWorkflowOpened', true);
        const missing = await missingForRun(folder);
        if (missing && answers.initRepository !== false) {
          const init = async () => {
            await guarded('could not make the first commit', () => makeFirstCommit(folder, missing));
            if (!(await missingForRun(folder))) showDemoRepositoryReady(path.basename(folder));
          };
          if (answers.initRepository) await init();
          else showDemoNeedsRepository(path.basename(folder), missing, init);
        }
        return file.fsPath;
      });
    },
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
