// Run Workflow…'s profile picker: a workflow file with `profiles:` (or per-profile env values) asks which profile
// to run with, as `--profile NAME` does in the CLI. Each item shows the profile's description and the variables it
// sets; the first runs without choosing (the file's `active_profile:`, if it has one).
import * as vscode from 'vscode';
import { knownProfiles, loadWorkflowFile, type Workflow } from '../../core';

interface ProfileItem extends vscode.QuickPickItem {
  profile?: string;
}

/** The chosen profile (`{}`: none chosen, or the file has none); undefined when the picker was dismissed. */
export async function askProfile(file: string): Promise<{ profile?: string } | undefined> {
  let workflow: Workflow;
  try {
    workflow = loadWorkflowFile(file);
  } catch {
    // A file that cannot be loaded is refused by the run itself, with its file:line:col.
    return {};
  }
  const names = knownProfiles(workflow);
  if (!names.length) return {};
  const picked = await vscode.window.showQuickPick(profileItems(workflow, names), {
    title: `Run ${workflow.name || 'Workflow'} with Profile`,
    placeHolder: 'Which profile? Its variables override the workflow’s env:',
  });
  if (!picked) return undefined;
  return picked.profile === undefined ? {} : { profile: picked.profile };
}

export function profileItems(workflow: Workflow, names: string[]): ProfileItem[] {
  const env = workflow.environment;
  const fallback = env?.active_profile;
  const first: ProfileItem = fallback
    ? { label: `$(star) ${fallback}`, description: 'active_profile: the file’s default', profile: undefined }
    : { label: '$(circle-slash) No profile', description: 'env: as written', profile: undefined };
  const items = names
    .filter((name) => name !== fallback)
    .map((name): ProfileItem => {
      const profile = env?.profiles[name];
      const vars = Object.keys(profile?.env ?? {});
      return {
        label: name,
        description: profile?.description,
        detail: vars.length ? `Sets ${vars.join(', ')}` : 'Chooses the per-profile values of env:',
        profile: name,
      };
    });
  return [first, ...items];
}
