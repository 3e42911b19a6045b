// One vocabulary (issue 14, items 5 and 11): Stop and Abandon, the tree's status words in every session picker,
// empty pickers that say so in a sentence, and sessions named by workflow and start time, never by id. Each
// command runs in a Prodigy home of its own, with its quick picks recorded (and dismissed) instead of shown.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
import {
  EXTENSION_ID,
  MessageRecorder,
  api,
  exec,
  readRecord,
  removeTempDirs,
  sessionRow,
  tempDir,
  useHome,
  waitFor,
} from './helpers/harness';

/** Whether a `viewItem =~ /…/` when-clause of the Sessions view matches a row's context value. */
function whenMatches(when: string, contextValue: string): boolean {
  if (!when.includes('view == prodigy.sessions')) return false;
  const tests = [...when.matchAll(/viewItem =~ \/((?:[^/\\]|\\.)*)\//g)].map((m) => new RegExp(m[1]));
  return tests.length > 0 && tests.every((re) => re.test(contextValue));
}

interface PickItem extends vscode.QuickPickItem {
  summary?: { id: string };
}

describe('Words: one vocabulary, names not ids', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let home: string;
  let messages: MessageRecorder;
  const restores: (() => Promise<void>)[] = [];
  /** The items and title of every quick pick a command opened (each is dismissed). */
  const picks: { title: string | undefined; items: PickItem[] }[] = [];
  let savedQuickPick: typeof vscode.window.showQuickPick;

  before(async () => {
    a = await api();
    home = tempDir('prodigy-it-words-home-');
    restores.push(await useHome(a, home));
    messages = new MessageRecorder();
    const w = vscode.window as unknown as Record<string, unknown>;
    savedQuickPick = vscode.window.showQuickPick;
    w.showQuickPick = async (items: PickItem[] | Thenable<PickItem[]>, options?: vscode.QuickPickOptions) => {
      picks.push({ title: options?.title, items: await items });
      return undefined;
    };
  });

  after(async () => {
    (vscode.window as unknown as Record<string, unknown>).showQuickPick = savedQuickPick;
    messages?.dispose();
    for (const restore of restores.reverse()) await restore();
    removeTempDirs();
  });

  beforeEach(() => {
    messages.clear();
    messages.answer = () => undefined;
    picks.length = 0;
  });

  /** A run of ours whose window closed mid-step: Running on disk, a log, no process. The tree calls it Interrupted. */
  async function interruptedRun(name: string): Promise<string> {
    const m = a.homes.current.manager;
    const s = await m.createSession({
      type: 'Workflow',
      workflowName: name,
      totalSteps: 3,
      metadata: { workflow_path: path.join(tempDir('prodigy-it-words-wf-'), `${name}.yml`) },
    });
    await m.startSession(s.id);
    await m.updateSession(s.id, { workflow_data: { current_step: 1, completed_steps: [0] } });
    fs.mkdirSync(path.dirname(m.paths.sessionLogFile(s.id)), { recursive: true });
    fs.writeFileSync(m.paths.sessionLogFile(s.id), `=== run ${name}\n`);
    return s.id;
  }

  it('an empty session picker says what it looked for, in a sentence of its own', async () => {
    const expected: [string, string][] = [
      ['prodigy.resumeSession', 'no paused, failed or interrupted session to resume.'],
      ['prodigy.stopSession', 'no run is going on to stop.'],
      ['prodigy.cancelSession', 'no paused or running session to abandon.'],
      ['prodigy.retryFailedItems', 'no MapReduce session has failed items to retry.'],
      ['prodigy.decideMerge', 'no finished session waits for a merge decision.'],
      ['prodigy.showSessionLog', 'no session has run yet, so there is no session log to open.'],
      ['prodigy.restoreCheckpoint', 'there is no session whose checkpoints could be restored.'],
      ['prodigy.showClaudeTranscript', 'no session made a Claude call.'],
      ['prodigy.continueInClaude', 'no failed or paused session made a Claude call.'],
      // Delete's picker gives no sentence of its own: the statuses it lists say what it looked for.
      ['prodigy.deleteSession', 'Delete Session: no session is Completed, Failed, Paused or Cancelled.'],
    ];
    for (const [command, text] of expected) {
      messages.clear();
      assert.strictEqual(await exec(command), undefined, command);
      assert.deepStrictEqual(
        messages.messages.map((m) => `${m.level}: ${m.text}`),
        [`info: Prodigy: ${text}`],
        command,
      );
    }
    assert.deepStrictEqual(picks, [], 'a picker opened with nothing to pick');
  });

  it('the Resume picker words an interrupted run as its row does ("Interrupted"), led by its name and start time', async () => {
    const id = await interruptedRun('words-cut-off');
    const row = await waitFor('the row to read Interrupted', async () => {
      const r = await sessionRow(a, id);
      return r && String(r.description).startsWith('Interrupted') ? r : undefined;
    });
    const rowStatus = String(row.description).split(' · ')[0];
    assert.strictEqual(rowStatus, 'Interrupted');

    // Every picker that lists Running sessions uses the tree's words: Resume, Abandon, Open Session Log.
    for (const command of ['prodigy.resumeSession', 'prodigy.cancelSession', 'prodigy.showSessionLog']) {
      picks.length = 0;
      assert.strictEqual(await exec(command), undefined, command);
      assert.strictEqual(picks.length, 1, `${command} opened no picker: ${JSON.stringify(messages.messages)}`);
      const item = picks[0].items.find((i) => i.detail === id);
      assert.ok(item, `${command}: ${JSON.stringify(picks[0].items.map((i) => i.detail))}`);
      assert.match(item.label, /^"words-cut-off" \(started [^)]+\)$/, command);
      assert.ok(!item.label.includes(id), `${command}: the label shows the id`);
      assert.strictEqual(item.description?.split(' · ')[0], rowStatus, `${command}: ${item.description}`);
      assert.doesNotMatch(item.description ?? '', /Running/, command);
    }
    assert.deepStrictEqual(
      picks.map((p) => p.title),
      ['Open Session Log'],
      'the last picker is titled as its command',
    );
  });

  it('Abandon Session… asks in a modal naming the workflow and its start time; it cannot be resumed afterwards', async () => {
    const id = await interruptedRun('words-abandon');
    const row = await waitFor('the interrupted row', async () => {
      const r = await sessionRow(a, id);
      return r && String(r.description).startsWith('Interrupted') ? r : undefined;
    });
    // The row's menu offers it (its when-clause matches), under its new title.
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const contributes = ext.packageJSON.contributes;
    const title = (contributes.commands as { command: string; title: string }[]).find(
      (c) => c.command === 'prodigy.cancelSession',
    )?.title;
    assert.strictEqual(title, 'Abandon Session…');
    const menu = (contributes.menus['view/item/context'] as { command: string; when: string }[]).filter(
      (m) => m.command === 'prodigy.cancelSession',
    );
    assert.ok(
      menu.some((m) => whenMatches(m.when, row.contextValue ?? '')),
      `not offered on ${row.contextValue}`,
    );

    // Dismissed: nothing happens.
    assert.strictEqual(await exec('prodigy.cancelSession', id), undefined);
    const asked = messages.find('warning', /^Abandon /);
    assert.ok(asked, JSON.stringify(messages.messages));
    assert.ok(asked.modal, 'not a modal');
    assert.match(asked.text, /^Abandon "words-abandon" \(started [^)]+\)\? It cannot be resumed afterwards\.$/);
    assert.ok(!asked.text.includes(id), 'the question names the session by its id');
    assert.deepStrictEqual(asked.items, ['Abandon']);
    assert.strictEqual(readRecord(home, id).status, 'Running');

    // Abandon: Cancelled, and the row no longer offers Abandon or Resume.
    messages.answer = (m) => (m.items.includes('Abandon') ? 'Abandon' : undefined);
    const done = await exec<{ status: string } | undefined>('prodigy.cancelSession', id);
    assert.strictEqual(done?.status, 'Cancelled');
    const after = await waitFor('the row to read Cancelled', async () => {
      const r = await sessionRow(a, id);
      return r && String(r.description).startsWith('Cancelled') ? r : undefined;
    });
    assert.ok(!menu.some((m) => whenMatches(m.when, after.contextValue ?? '')), `still offered: ${after.contextValue}`);
    assert.doesNotMatch(after.contextValue ?? '', /;(resumable|abandonable);/);

    // Messages about it name it, not its id.
    messages.clear();
    assert.strictEqual(await exec('prodigy.stopSession', id), 'not-running');
    assert.strictEqual(await exec('prodigy.revealWorktree', id), undefined);
    assert.deepStrictEqual(
      messages.messages.map((m) => m.text.replace(/\(started [^)]+\)/, '(started T)')),
      [
        'Prodigy: "words-abandon" (started T) is not running.',
        'Prodigy: "words-abandon" (started T) has no worktree (it ran in place, or its worktree was removed).',
      ],
    );
  });

  it('no two commands of the palette read the same, and none says Cancel', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const { commands, menus } = ext.packageJSON.contributes;
    // Commands kept out of the palette are only met where they act (Run Workflow on a file's title, beside no other).
    const hidden = new Set(
      (menus.commandPalette as { command: string; when: string }[])
        .filter((m) => m.when === 'false')
        .map((m) => m.command),
    );
    const titles = (commands as { command: string; title: string }[])
      .filter((c) => !hidden.has(c.command))
      .map((c) => ({
        command: c.command,
        // "Show Log" and "Show Session Log" read the same: compare without the words every title may share.
        words: c.title
          .toLowerCase()
          .replace(/…$/, '')
          .split(/\s+/)
          .filter((w) => w !== 'session' && w !== 'sessions')
          .join(' '),
        title: c.title,
      }));
    const seen = new Map<string, string>();
    for (const t of titles) {
      assert.ok(!seen.has(t.words), `${t.command} reads as ${seen.get(t.words)}: "${t.title}"`);
      seen.set(t.words, t.command);
      assert.doesNotMatch(t.title, /\bcancel/i, t.command);
    }
    assert.strictEqual(titles.find((t) => t.command === 'prodigy.showLog')?.title, 'Show Output Channel');
    assert.strictEqual(titles.find((t) => t.command === 'prodigy.showSessionLog')?.title, 'Open Session Log');
  });
});
