// The machinery every message is built on (after GitLens's src/messages.ts): one `show` that adds the `Prodigy:`
// prefix, logs what the user was told and starts the clicked button's action, and the buttons messages share. The
// messages themselves are named functions in the sibling files, one file per subject; call sites say what happened
// (`showRunStopped(id)`), and the wording, the level and the buttons are there.
import * as vscode from 'vscode';
import { errorMessage } from '../../core';
import { toDisposable } from '../lifecycle';

type Level = 'info' | 'warning' | 'error';

/** A button on a message; `run` runs when it is clicked. */
interface Action {
  readonly title: string;
  readonly run?: () => unknown;
}

interface Message {
  readonly level: Level;
  readonly text: string;
  readonly actions?: readonly Action[];
  /** A modal question (`detail` below the text): each asks before something hard to undo, as a warning. */
  readonly modal?: { readonly detail?: string };
}

export const PREFIX = 'Prodigy: ';
let output: vscode.LogOutputChannel | undefined;

/** From activation on, every notification is also written to the Prodigy output channel. */
export function logMessagesTo(log: vscode.LogOutputChannel): vscode.Disposable {
  output = log;
  return toDisposable(() => {
    if (output === log) output = undefined;
  });
}

/**
 * Shows a message and resolves with the title of the button clicked (undefined: dismissed), after starting its
 * action. Never await a notification just to run its action: one nobody answers never settles.
 */
export function show(message: Message): Promise<string | undefined> {
  const { level, modal } = message;
  const actions = message.actions ?? [];
  const titles = actions.map((a) => a.title);
  // A notification appears in a corner, away from what caused it: it names its source, and it is logged (it
  // fades; the log keeps what the user was told). A modal question answers the user's own click: neither.
  const text = modal ? message.text : PREFIX + message.text;
  if (modal) output?.debug(`Asked: ${text}`);
  else if (level === 'error') output?.error(text);
  else if (level === 'warning') output?.warn(text);
  else output?.info(text);
  const options: vscode.MessageOptions = modal ? { modal: true, detail: modal.detail } : {};
  const shown =
    level === 'error'
      ? vscode.window.showErrorMessage(text, options, ...titles)
      : level === 'warning'
        ? vscode.window.showWarningMessage(text, options, ...titles)
        : vscode.window.showInformationMessage(text, options, ...titles);
  return Promise.resolve(shown).then((choice) => {
    const run = actions.find((a) => a.title === choice)?.run;
    if (run) {
      void Promise.resolve()
        .then(run)
        .catch((err) => output?.error(`"${choice}" failed: ${errorMessage(err)}`));
    }
    return choice;
  });
}

// ---- Actions

export function command(title: string, id: string, ...args: unknown[]): Action {
  return { title, run: () => vscode.commands.executeCommand(id, ...args) };
}

export const resumeAction = (sessionId: string) => command('Resume', 'prodigy.resumeSession', { sessionId });
export const showLogAction = (sessionId: string) => command('Show Log', 'prodigy.showSessionLog', sessionId);
export const manageTrustAction = () => command('Manage Workspace Trust', 'workbench.trust.manage');
export const openSettingAction = (key: string) => command('Open Setting', 'workbench.action.openSettings', key);
