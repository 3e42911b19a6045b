// The messages of the demo workflow (the Get Started walkthrough): the folder and repository it needs, and the
// question before replacing a changed copy.
import { command, show } from './notify';

export function showDemoNeedsFolder(): void {
  void show({
    level: 'info',
    text: 'open a folder first (a git repository): the demo workflow is written into it and runs there.',
    actions: [command('Open Folder', 'workbench.action.files.openFolder')],
  });
}

/** true: replace the file; false: open it as it is; undefined: neither (the question was dismissed). */
export async function askReplaceDemoWorkflow(folder: string): Promise<boolean | undefined> {
  const replace = 'Replace';
  const open = 'Open Existing';
  const choice = await show({
    level: 'warning',
    text: 'Replace prodigy-demo.workflow.yml with the demo workflow?',
    modal: {
      detail: `${folder} already has a prodigy-demo.workflow.yml that differs from the demo: replacing it loses its changes.`,
    },
    actions: [{ title: replace }, { title: open }],
  });
  return choice === replace ? true : choice === open ? false : undefined;
}

/** A run starts its worktree from a commit: the folder has no repository, or no commit yet. */
export function showDemoNeedsRepository(
  folderName: string,
  missing: 'repository' | 'commit',
  init: () => unknown,
): void {
  const what = missing === 'repository' ? 'is not a git repository' : 'is a git repository with no commit yet';
  void show({
    level: 'warning',
    text:
      `${folderName} ${what}: the demo runs in a git worktree of its own, which starts from a commit. ` +
      'Make an empty first commit here?',
    actions: [{ title: missing === 'repository' ? 'Initialize Repository' : 'Make First Commit', run: init }],
  });
}

export function showDemoRepositoryReady(folderName: string): void {
  void show({
    level: 'info',
    text: `${folderName} now has a first commit: the demo workflow can run.`,
    actions: [command('Run Workflow…', 'prodigy.runWorkflow')],
  });
}
