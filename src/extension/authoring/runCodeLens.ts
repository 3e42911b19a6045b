// Lenses on the first line of a workflow file: `▶ Run Workflow` (trusted workspaces, files on disk) and
// what the file is (`5 steps · standard`), or why it cannot run (`✗ cannot run: <reason>`, opening the
// Problems panel). In an untrusted workspace the Run lens is replaced by a link to the trust settings.
import * as vscode from 'vscode';
import { knownProfiles, type Workflow } from '../../core';
import { Disposable } from '../lifecycle';
import { runningFiles, type RunningFile } from '../runs/runningFiles';
import type { Analysis, WorkflowDiagnostics } from './workflowDiagnostics';
import type { WorkflowFileDetector } from './workflowFiles';

export const RUN_COMMAND = 'prodigy.runWorkflowFile';
/** Run Workflow… with the file given: it asks for the profile when the file has profiles. */
export const RUN_WITH_PROFILE_COMMAND = 'prodigy.runWorkflow';
export const PROBLEMS_COMMAND = 'workbench.actions.view.problems';
export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
export const UNTRUSTED_TITLE = 'Workspace not trusted: workflows do not run here';
const MAX_REASON = 120;

/** Where the lenses are asked for: YAML documents, and any .yml/.yaml file on disk (a language id can be changed). */
export const CODELENS_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'untitled', language: 'yaml' },
  { scheme: 'file', pattern: '**/*.{yml,yaml}' },
];

export class RunWorkflowCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly detector: WorkflowFileDetector,
    private readonly diagnostics: WorkflowDiagnostics,
  ) {
    super();
    this._register(diagnostics.onDidUpdate(() => this.changed.fire()));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()));
    this._register(runningFiles.onDidChange(() => this.changed.fire()));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.detector.isWorkflowFile(document)) return [];
    const running = document.uri.scheme === 'file' ? runningFiles.get(document.uri.fsPath) : undefined;
    return workflowLenses(document, this.diagnostics.analysisFor(document), vscode.workspace.isTrusted, running);
  }
}

export function workflowLenses(
  document: vscode.TextDocument,
  analysis: Analysis,
  trusted: boolean,
  running?: RunningFile,
): vscode.CodeLens[] {
  const top = new vscode.Range(0, 0, 0, 0);
  const lens = (command: vscode.Command) => new vscode.CodeLens(top, command);
  // While the file runs in this window, its lenses follow the run instead of offering a second one.
  if (running) return runningLenses(running, lens);
  if (!analysis.ok) {
    const where = analysis.line !== undefined ? ` (line ${analysis.line})` : '';
    return [
      lens({
        title: `✗ cannot run: ${truncate(analysis.reason)}`,
        command: PROBLEMS_COMMAND,
        tooltip: `${analysis.reason}${where}\nFix this to run the workflow. Click to open the Problems panel.`,
      }),
    ];
  }
  const lenses: vscode.CodeLens[] = [];
  if (!trusted) {
    lenses.push(
      lens({
        title: UNTRUSTED_TITLE,
        command: MANAGE_TRUST_COMMAND,
        tooltip: 'Workflows run shell commands and Claude; trust this workspace to run them.',
      }),
    );
  } else if (document.uri.scheme === 'file') {
    lenses.push(
      lens({
        title: '▶ Run Workflow',
        command: RUN_COMMAND,
        arguments: [document.uri],
        tooltip: 'Run this workflow as a new Prodigy session',
      }),
    );
    const profiles = knownProfiles(analysis.workflow);
    if (profiles.length)
      lenses.push(
        lens({
          title: 'Run with profile…',
          command: RUN_WITH_PROFILE_COMMAND,
          arguments: [document.uri],
          tooltip: `Choose one of the workflow's profiles (${profiles.join(', ')}) and run it`,
        }),
      );
  }
  const workflow = analysis.workflow;
  const count = workflow.warnings.length;
  lenses.push(
    lens({
      title: describeWorkflow(workflow) + (count ? ` · ${count} warning${count === 1 ? '' : 's'}` : ''),
      // Only something to click when there is something to see.
      command: count ? PROBLEMS_COMMAND : '',
      tooltip: workflow.name ? `Workflow "${workflow.name}"` : undefined,
    }),
  );
  return lenses;
}

function runningLenses(run: RunningFile, lens: (command: vscode.Command) => vscode.CodeLens): vscode.CodeLens[] {
  const where = run.total ? `step ${run.step}/${run.total}` : 'running';
  const doing = run.doing ? ` · ${truncate(run.doing, 60)}` : '';
  return [
    lens({
      title: `$(sync~spin) ${where}${doing}`,
      command: 'prodigy.revealSession',
      arguments: [run.sessionId],
      tooltip: `${run.workflowName} is running: show it in the Sessions view`,
    }),
    lens({
      title: '$(debug-stop) Stop',
      command: 'prodigy.stopSession',
      arguments: [run.sessionId],
      tooltip: 'Stop the run; it is Paused and can be resumed where it stopped',
    }),
    lens({
      title: '$(output) Show Log',
      command: 'prodigy.showSessionLog',
      arguments: [run.sessionId],
      tooltip: "Open the run's log, live",
    }),
  ];
}

/** `5 steps · standard`, `MapReduce · 1 setup step · 2 agent steps · 1 reduce step` (empty phases left out). */
export function describeWorkflow(workflow: Workflow): string {
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  if (workflow.shape === 'mapreduce' && workflow.mapreduce) {
    const mr = workflow.mapreduce;
    const parts = ['MapReduce'];
    if (mr.setup.steps.length) parts.push(n(mr.setup.steps.length, 'setup step'));
    parts.push(n(mr.map.agent_template.length, 'agent step'));
    if (mr.reduce.length) parts.push(n(mr.reduce.length, 'reduce step'));
    return parts.join(' · ');
  }
  return `${n(workflow.steps.length, 'step')} · standard`;
}

function truncate(text: string, max = MAX_REASON): string {
  const line = text.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
