// Decisions that must not be lost or made by accident: the end-of-run merge question as a waiting state that a
// dismissed notification leaves open (row, status bar, record), Discard that confirms and records, Delete that warns
// of unmerged commits and can be undone, and rows that stop offering what no longer applies.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ChangedFile, MergeOutcome, RunOutcome } from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
import {
  EXTENSION_ID,
  MessageRecorder,
  api,
  exec,
  git,
  makeRepo,
  readRecord,
  removeTempDirs,
  sessionRow,
  tempDir,
  useHome,
  waitFor,
  writeWorkflow,
} from './helpers/harness';

/** Two steps, each committing one file. */
const TWO_COMMITS = (name: string) => `name: ${name}
commands:
  - shell: "echo one > one.txt && git add one.txt && git commit -qm one"
  - shell: "echo two > two.txt && git add two.txt && git commit -qm two"
`;

describe('Decisions', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let home: string;
  let wfDir: string;
  let messages: MessageRecorder;
  const restores: (() => Promise<void>)[] = [];

  before(async () => {
    a = await api();
    home = tempDir('prodigy-it-decisions-home-');
    wfDir = tempDir('prodigy-it-decisions-wf-');
    restores.push(await useHome(a, home));
    messages = new MessageRecorder();
  });

  after(async () => {
    messages?.dispose();
    for (const restore of restores.reverse()) await restore();
    removeTempDirs();
  });

  beforeEach(() => {
    messages.clear();
    messages.answer = () => undefined;
  });

  let counter = 0;
  /** A finished two-commit run; `merge` undefined: the question is asked (and dismissed) as a user gets it. */
  async function finishedRun(name: string, merge?: 'keep') {
    const repo = makeRepo();
    const file = writeWorkflow(wfDir, `decide-${++counter}.yml`, TWO_COMMITS(name));
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file,
      folder: repo,
      merge,
      progress: false,
    });
    assert.ok(outcome, `the run did not start: ${JSON.stringify(messages.messages)}`);
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    assert.strictEqual(outcome.merge?.status, 'kept');
    assert.ok(outcome.worktree);
    return { repo, id: outcome.sessionId, wt: outcome.worktree };
  }

  const node = async (id: string) => a.tree.findSession(id) ?? (await a.tree.loadUntil(id));
  const tokens = async (id: string) => (await sessionRow(a, id))?.contextValue ?? '';

  it('a dismissed merge question leaves the decision open: the row and the status bar offer it, the record says so, Merge from the row merges', async () => {
    const { repo, id, wt } = await finishedRun('decide-me');
    // The question names the workflow, the commits and the branch, and can show the changes.
    const question = messages.find(
      'info',
      /^Prodigy: "decide-me" \(started [^)]+\) finished with 2 new commits\. Merge them into main\?/,
    );
    assert.ok(question, JSON.stringify(messages.messages));
    assert.deepStrictEqual(question.items, ['Review Changes', 'Merge', 'Keep Branch', 'Discard']);
    assert.ok(!question.text.includes(`session ${id}`), 'the question names the session by its id');

    // Dismissed: nothing decided. The branch is kept and the record marks the decision as pending.
    assert.ok(fs.existsSync(wt));
    assert.ok(!fs.existsSync(path.join(repo, 'one.txt')), 'dismissing merged');
    assert.strictEqual(readRecord(home, id).metadata.merge?.status, 'kept');
    assert.strictEqual(readRecord(home, id).metadata.merge?.decision, 'pending');

    // The row waits, with inline Merge, Keep and Discard.
    const row = await waitFor('the row to await the decision', async () => {
      const item = await sessionRow(a, id);
      return item && /awaiting merge decision · 2 new commits/.test(String(item.description)) ? item : undefined;
    });
    assert.match(row.contextValue ?? '', /;awaiting;/);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const menus = ext.packageJSON.contributes.menus['view/item/context'] as {
      command: string;
      when: string;
      group: string;
    }[];
    const inline = (c: string) =>
      menus.some((m) => m.command === c && m.group.startsWith('inline') && /;awaiting;/.test(m.when));
    for (const c of ['prodigy.mergeSession', 'prodigy.keepSessionBranch', 'prodigy.discardSessionWork'])
      assert.ok(inline(c), `${c} is not inline on an awaiting row`);

    // The status bar says so; its click asks again.
    await waitFor('the status bar to ask', () => a.statusBar.item.text === '$(git-merge) decide-me: merge?');
    const click = a.statusBar.item.command as vscode.Command;
    assert.strictEqual(click.command, 'prodigy.decideMerge');
    messages.clear();
    assert.strictEqual(await exec('prodigy.decideMerge', ...(click.arguments ?? [])), id);
    assert.ok(messages.find('info', /"decide-me" .* finished with 2 new commits/), JSON.stringify(messages.messages));

    // Review Changes: the branch against its base.
    const files = await exec<ChangedFile[]>('prodigy.reviewSessionChanges', id);
    assert.deepStrictEqual(files.map((f) => f.path).sort(), ['one.txt', 'two.txt']);

    // Merge from the row: merged, decided, and the row no longer offers Merge, Discard or Reveal Worktree.
    const merged = await exec<MergeOutcome | undefined>('prodigy.mergeSession', await node(id));
    assert.strictEqual(merged?.status, 'merged');
    assert.strictEqual(fs.readFileSync(path.join(repo, 'two.txt'), 'utf8'), 'two\n');
    assert.strictEqual(readRecord(home, id).metadata.merge?.decision, undefined);
    const after = await waitFor('the row to say merged', async () => {
      const v = await tokens(id);
      return v.includes(';awaiting;') ? undefined : v;
    });
    assert.doesNotMatch(after, /;(mergeable|discardable|worktree);/);
    await waitFor('the status bar to let go', () => !a.statusBar.item.text.includes('merge?'));
  });

  it('Keep from the row decides: the branch stays, the row says branch kept', async () => {
    const { id, wt } = await finishedRun('keep-me');
    await waitFor('the row to await', async () => ((await tokens(id)).includes(';awaiting;') ? true : undefined));
    assert.strictEqual(await exec('prodigy.keepSessionBranch', await node(id)), true);
    assert.strictEqual(readRecord(home, id).metadata.merge?.status, 'kept');
    assert.strictEqual(readRecord(home, id).metadata.merge?.decision, undefined);
    assert.ok(fs.existsSync(wt));
    const row = await waitFor('the row to say kept', async () => {
      const item = await sessionRow(a, id);
      return item && /branch kept · 2 unmerged commits/.test(String(item.description)) ? item : undefined;
    });
    assert.match(row.contextValue ?? '', /;mergeable;discardable;/);
    assert.doesNotMatch(row.contextValue ?? '', /;awaiting;/);
  });

  it('Discard asks first, naming the commits lost; dismissed, nothing is deleted; confirmed, it records discarded and the row offers no Merge', async () => {
    const { repo, id, wt } = await finishedRun('throw-away');
    const branch = `prodigy-${id}`;
    assert.strictEqual(await exec('prodigy.discardSessionWork', await node(id)), undefined);
    const question = messages.find('warning', new RegExp(`^Delete 2 commits on ${branch}\\?$`));
    assert.ok(question?.modal, JSON.stringify(messages.messages));
    assert.ok(fs.existsSync(wt), 'dismissing removed the worktree');
    assert.notStrictEqual(git(repo, 'branch', '--list', branch), '');
    assert.strictEqual(readRecord(home, id).metadata.merge?.decision, 'pending');

    messages.answer = (m) => (m.modal && m.items.includes('Discard') ? 'Discard' : undefined);
    assert.strictEqual(await exec('prodigy.discardSessionWork', await node(id)), wt);
    assert.ok(!fs.existsSync(wt));
    assert.strictEqual(git(repo, 'branch', '--list', branch), '');
    const merge = readRecord(home, id).metadata.merge;
    assert.strictEqual(merge?.status, 'discarded');
    assert.strictEqual(merge?.commits, 2);
    assert.strictEqual(merge?.decision, undefined);
    // Like Merge and Delete, Discard says what it did.
    assert.ok(
      messages.find(
        'info',
        new RegExp(
          `^Prodigy: discarded the work of "throw-away" \\(started [^)]+\\): branch ${branch} and its worktree are deleted\\.$`,
        ),
      ),
      JSON.stringify(messages.messages),
    );
    const after = await waitFor('the row to say discarded', async () => {
      const item = await sessionRow(a, id);
      return item && /discarded/.test(String(item.description)) ? (item.contextValue ?? '') : undefined;
    });
    assert.doesNotMatch(after, /;(mergeable|discardable|worktree|awaiting);/);
  });

  it('Delete warns about unmerged commits, and its Undo brings the record back', async () => {
    const { id } = await finishedRun('delete-me', 'keep');
    messages.answer = (m) => (m.modal ? 'Delete' : m.items.includes('Undo') ? 'Undo' : undefined);
    assert.deepStrictEqual(await exec('prodigy.deleteSession', await node(id)), [id]);
    const question = messages.find('warning', /^Delete "delete-me" \(started [^)]+\)\?/);
    assert.ok(question?.modal, JSON.stringify(messages.messages));
    assert.match(question.text, new RegExp(`Its branch prodigy-${id} has 2 unmerged commits\\.`));
    const done = messages.find('info', /^Prodigy: deleted "delete-me" \(started [^)]+\)\.$/);
    assert.deepStrictEqual(done?.items, ['Undo']);
    // Undo (clicked as the toast appeared): the record is back, and so is its row; the trash holds nothing of it.
    const file = path.join(home, 'sessions', `${id}.json`);
    await waitFor('the record to come back', () => fs.existsSync(file));
    assert.strictEqual(readRecord(home, id).status, 'Completed');
    await waitFor('the row to come back', () => sessionRow(a, id));
    const trash = path.join(home, 'vscode', 'deleted');
    assert.deepStrictEqual(
      fs.readdirSync(trash).filter((d) => d.startsWith(`${id}-`)),
      [],
    );
    await waitFor('the undo to be reported', () => messages.find('info', /"delete-me" .* is back\./));
  });

  it('a plain Delete leaves the worktree; Clean Up Worktrees… lists it and removes it, keeping its unmerged branch', async () => {
    const { id, wt, repo } = await finishedRun('leave-behind', 'keep');
    messages.answer = (m) => (m.modal ? 'Delete' : undefined);
    assert.deepStrictEqual(await exec('prodigy.deleteSession', await node(id)), [id]);
    assert.ok(fs.existsSync(wt), 'a plain Delete keeps the worktree');
    // The quick pick offers it, named as a deleted session's, with its path (other tests' worktrees may be listed).
    let shown: string[] = [];
    const w = vscode.window as unknown as { showQuickPick: unknown };
    const saved = w.showQuickPick;
    let pick: string | undefined = id;
    w.showQuickPick = async (items: readonly (vscode.QuickPickItem & { entry: { sessionId: string } })[]) => {
      shown.push(...items.map((i) => `${i.label} | ${i.description} | ${i.detail}`));
      return pick === undefined ? undefined : items.filter((i) => i.entry.sessionId === pick);
    };
    let removed: string[] | undefined;
    let first: string[] = [];
    let again: string[] | undefined;
    try {
      removed = await exec<string[]>('prodigy.cleanUpWorktrees');
      first = shown;
      shown = [];
      pick = undefined;
      again = await exec<string[] | undefined>('prodigy.cleanUpWorktrees');
    } finally {
      w.showQuickPick = saved;
    }
    assert.ok(
      first.some((s) => s.startsWith(`Deleted session · prodigy-${id} | its session was deleted | ${wt}`)),
      JSON.stringify(first),
    );
    // Listed again (other tests' worktrees, or none left: it says so), it is not there any more.
    assert.ok(!shown.some((s) => s.includes(wt)), 'once removed, it is no longer listed');
    assert.ok(again === undefined || (again.length === 0 && messages.find('info', /no worktree is left behind/)));
    assert.deepStrictEqual(removed, [wt]);
    assert.ok(!fs.existsSync(wt), 'the worktree is gone');
    const branches = execFileSync('git', ['branch', '--list', `prodigy-${id}`], { cwd: repo, encoding: 'utf8' });
    assert.match(branches, new RegExp(`prodigy-${id}`), 'the unmerged branch stays, with its commits');
    assert.ok(messages.find('info', /^Prodigy: removed 1 worktree; 1 unmerged branch kept, with its commits/));
  });
});
