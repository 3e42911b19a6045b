// The Sessions tree in a real extension host, against the temporary Prodigy home the
// runner seeded (test/host/seedHome.mjs): what it shows, and that it follows other processes.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
import type { TreeNode } from '../../src/extension/sessionsTree/nodes';
import * as harness from './helpers/harness';

const EXTENSION_ID = 'prodigy-vscode.prodigy-vscode';

async function api(): Promise<ProdigyExtensionApi> {
  const ext = vscode.extensions.getExtension<ProdigyExtensionApi>(EXTENSION_ID);
  assert.ok(ext, 'extension not found');
  return ext.activate();
}

function home(): string {
  const h = process.env.PRODIGY_TEST_HOME;
  assert.ok(h, 'PRODIGY_TEST_HOME is not set');
  return h;
}

async function rootItems(a: ProdigyExtensionApi): Promise<{ node: TreeNode; item: vscode.TreeItem }[]> {
  const nodes = await a.tree.getChildren();
  return nodes.map((node) => ({ node, item: a.tree.getTreeItem(node) }));
}

/** A tooltip's text without Markdown escapes (appendText writes `\-` and `&nbsp;`). */
function plain(md: vscode.MarkdownString): string {
  return md.value.replace(/&nbsp;/g, ' ').replace(/\\/g, '');
}

function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

/** Runs a script with the core in a separate OS process, as the CLI or another window would. */
function inOtherProcess(script: string): void {
  const core = path.resolve(__dirname, '..', 'core.js');
  execFileSync(
    process.execPath,
    [
      '-e',
      `const core = require(${JSON.stringify(core)}); (async () => { ${script} })().catch((e) => { console.error(e); process.exit(1); });`,
    ],
    {
      env: { ...process.env, PRODIGY_HOME: home(), ELECTRON_RUN_AS_NODE: '1' },
    },
  );
}

function nextTreeChange(a: ProdigyExtensionApi, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the tree did not change within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = a.tree.onDidChangeTreeData(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

describe('Sessions tree', () => {
  it('activates quickly and reports its own activation time', async () => {
    const a = await api();
    console.log(`[perf] activation took ${a.activationMs.toFixed(1)} ms`);
    assert.ok(a.activationMs >= 0);
  });

  it('lists the seeded sessions newest first, with status, icon and context tokens', async () => {
    const items = await rootItems(await api());
    const sessions = items.filter(({ item }) => item.contextValue?.startsWith('session;'));
    assert.deepStrictEqual(
      sessions.map(({ item }) => item.id),
      [
        'session:session-7a1e9c3b-5d2f-4b8a-9e61-0c4d8f2a7b13',
        'session:workflow-1736937666666',
        'session:session-0d3f7e21-44b9-4a8e-8c61-93b7f0a2c5d4',
        'session:workflow-1736937999999',
        'session:workflow-1736937555555',
        'session:workflow-1736937000123',
      ],
    );
    const running = sessions.find(({ item }) => item.id === 'session:workflow-1736937000123')!.item;
    assert.strictEqual(label(running), 'implement-feature');
    // Prodigy's record says Running, but it was last written a year ago and no process here runs it: it keeps its
    // status (with a "?") and its actions, and its row stops looking busy.
    assert.match(String(running.description), /^Running\? · step 1\/3 · /);
    assert.strictEqual((running.iconPath as vscode.ThemeIcon).id, 'question');
    assert.match(running.contextValue ?? '', /;running;/);
    assert.match(running.contextValue ?? '', /;resumable;/);
    const runningNode = sessions.find(({ item }) => item.id === 'session:workflow-1736937000123')!.node;
    const stale = plain(
      (await (await api()).tree.resolveTreeItem(running, runningNode)).tooltip as vscode.MarkdownString,
    );
    assert.match(
      stale,
      /Its record says Running, but it was last updated \d+ y ago, and no process this window can see/,
    );

    const completed = sessions.find(({ item }) => item.id === 'session:workflow-1736937999999')!.item;
    assert.match(String(completed.description), /^Completed · step 3\/3/);
    assert.strictEqual((completed.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.doesNotMatch(completed.contextValue ?? '', /;resumable;/);

    // Prodigy left this one's name empty: the id stands in, and its data makes it MapReduce.
    const mapreduce = sessions.find(
      ({ item }) => item.id === 'session:session-0d3f7e21-44b9-4a8e-8c61-93b7f0a2c5d4',
    )!.item;
    assert.strictEqual(label(mapreduce), 'session-0d3f7e21-44b9-4a8e-8c61-93b7f0a2c5d4');
    assert.match(String(mapreduce.description), /Setup 4\/10/);

    const paused = sessions.find(({ item }) => item.id === 'session:workflow-1736937555555')!.item;
    assert.strictEqual((paused.iconPath as vscode.ThemeIcon).id, 'debug-pause');
    assert.match(paused.contextValue ?? '', /;paused;.*;resumable;/);

    const failed = sessions.find(({ item }) => item.id === 'session:workflow-1736937666666')!.item;
    assert.strictEqual(label(failed), 'fix-tests');
    assert.match(String(failed.description), /^Failed · step 1\/2/);
    assert.match(failed.contextValue ?? '', /;failed;.*;resumable;/);
  });

  it("shows Prodigy's failure checkpoint as a row, and its checkpoint file (total_steps 0) in the session's tooltip", async () => {
    const a = await api();
    const node = a.tree.findSession('workflow-1736937666666');
    assert.ok(node);
    const items = (await a.tree.getChildren(node)).map((c) => a.tree.getTreeItem(c));
    // Prodigy's checkpoint file repeats the session's progress: no row of its own.
    assert.deepStrictEqual(
      items.map((i) => i.id),
      ['checkpoint:workflow-1736937666666:checkpoint-3c1f5a7e-9b2d-4e8f-a6c0-1d7b9e3f5a21'],
    );
    assert.strictEqual(label(items[0]), 'Session state when the run failed (at step 1)');
    // It records no commit: nothing to show on a click.
    assert.strictEqual(items[0].command, undefined);
    const tooltip = (await a.tree.resolveTreeItem(a.tree.getTreeItem(node), node)).tooltip as vscode.MarkdownString;
    assert.match(plain(tooltip), /Prodigy checkpoint file.*: 1 step done · Failed/);
  });

  it('shows an unreadable file as such, with its reason, without touching it', async () => {
    const file = path.join(home(), 'sessions', 'workflow-broken.json');
    const before = fs.readFileSync(file, 'utf8');
    const items = await rootItems(await api());
    const bad = items.find(({ item }) => item.contextValue === 'unreadable;');
    assert.ok(bad, 'no unreadable row');
    assert.strictEqual(label(bad.item), 'workflow-broken.json');
    assert.match(String(bad.item.description), /not valid JSON/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), before);
  });

  it("puts Prodigy's checkpoint file in the session's tooltip, not in a row", async () => {
    const a = await api();
    const node = a.tree.findSession('workflow-1736937000123');
    assert.ok(node);
    const items = (await a.tree.getChildren(node)).map((c) => a.tree.getTreeItem(c));
    assert.deepStrictEqual(
      items.map((i) => [i.id, label(i), i.contextValue]),
      [
        [
          'message:workflow-1736937000123:none',
          "No checkpoints to restore (Prodigy's checkpoint file: 2/3 steps done)",
          'message;',
        ],
      ],
    );
    const tooltip = (await a.tree.resolveTreeItem(a.tree.getTreeItem(node), node)).tooltip as vscode.MarkdownString;
    assert.match(plain(tooltip), /Prodigy checkpoint file.*: 2\/3 steps done · Running/);
    assert.match(plain(tooltip), /workflow-1736937000456\.checkpoint\.json/);
  });

  it('shows a session written by another process without a manual refresh', async () => {
    const a = await api();
    await a.tree.getChildren();
    const changed = nextTreeChange(a);
    inOtherProcess(`
      const m = new core.SessionManager();
      await m.createSession({ id: 'workflow-2000000000000', type: 'Workflow', workflowName: 'from-another-process', totalSteps: 4 });
      await m.startSession('workflow-2000000000000');
    `);
    await changed;
    const items = await rootItems(a);
    const created = items.find(({ item }) => item.id === 'session:workflow-2000000000000');
    assert.ok(created, 'the new session is not in the tree');
    assert.strictEqual(label(created.item), 'from-another-process');
    // Just written, by a process this window cannot see: Running, and busy, for all it knows.
    assert.match(String(created.item.description), /^Running · /);
    assert.strictEqual((created.item.iconPath as vscode.ThemeIcon).id, 'sync~spin');
    const fresh = plain((await a.tree.resolveTreeItem(created.item, created.node)).tooltip as vscode.MarkdownString);
    assert.doesNotMatch(fresh, /last updated/);
  });

  it('updates a row when another process changes that session', async () => {
    const a = await api();
    await a.tree.getChildren();
    const changed = nextTreeChange(a);
    inOtherProcess(`
      const m = new core.SessionManager();
      await m.completeSession('workflow-2000000000000', { success: false, error: 'step 2 failed: exit code 1' });
    `);
    await changed;
    const node = a.tree.findSession('workflow-2000000000000');
    assert.ok(node);
    const item = a.tree.getTreeItem(node);
    assert.match(String(item.description), /^Failed/);
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'error');
    const tooltip = (await a.tree.resolveTreeItem(item, node)).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value.replace(/&nbsp;/g, ' '), /step 2 failed: exit code 1/);
  });

  it('filters by status and text, and clears the filter', async () => {
    const a = await api();
    await vscode.commands.executeCommand('prodigy.filterSessions', { status: ['Completed'] });
    let ids = (await rootItems(a))
      .filter(({ item }) => item.contextValue?.startsWith('session;'))
      .map(({ item }) => item.id);
    assert.deepStrictEqual(ids, ['session:workflow-1736937999999']);
    await vscode.commands.executeCommand('prodigy.filterSessions', { text: 'another-PROCESS' });
    ids = (await rootItems(a))
      .filter(({ item }) => item.contextValue?.startsWith('session;'))
      .map(({ item }) => item.id);
    assert.deepStrictEqual(ids, ['session:workflow-2000000000000']);
    await vscode.commands.executeCommand('prodigy.clearFilter');
    ids = (await rootItems(a))
      .filter(({ item }) => item.contextValue?.startsWith('session;'))
      .map(({ item }) => item.id);
    assert.strictEqual(ids.length, 7);
  });

  it('pages the root with a "Load more" row', async () => {
    const a = await api();
    await vscode.workspace
      .getConfiguration('prodigy')
      .update('sessions.pageSize', 10, vscode.ConfigurationTarget.Global);
    try {
      inOtherProcess(`
        const m = new core.SessionManager();
        for (let i = 0; i < 12; i++) await m.createSession({ id: 'workflow-30000000000' + String(i).padStart(2, '0'), type: 'Workflow', workflowName: 'paged-' + i });
      `);
      a.tree.refresh();
      let items = await rootItems(a);
      const more = items.find(({ item }) => item.contextValue === 'loadMore;');
      assert.ok(more, 'no Load more row');
      assert.match(String(more.item.description), /^10 of 19 shown$/);
      await vscode.commands.executeCommand('prodigy.loadMoreSessions');
      items = await rootItems(a);
      assert.strictEqual(items.filter(({ item }) => item.contextValue?.startsWith('session;')).length, 19);
      assert.ok(!items.some(({ item }) => item.contextValue === 'loadMore;'));
    } finally {
      await vscode.workspace
        .getConfiguration('prodigy')
        .update('sessions.pageSize', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('quarantines unreadable files into a folder the user can find', async () => {
    const a = await api();
    const bad = path.join(home(), 'sessions', 'workflow-broken.json');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(bad, old, old);
    await vscode.commands.executeCommand('prodigy.quarantineUnreadable', { confirm: true });
    assert.ok(!fs.existsSync(bad), 'the unreadable file is still in sessions/');
    const quarantine = path.join(home(), 'quarantine');
    const moved = fs.readdirSync(quarantine).map((d) => path.join(quarantine, d, 'sessions', 'workflow-broken.json'));
    assert.ok(
      moved.some((f) => fs.existsSync(f)),
      'the file was not moved into quarantine/',
    );
    const items = await rootItems(a);
    assert.ok(!items.some(({ item }) => item.contextValue === 'unreadable;'));
  });
});

// Issue 14, "Outcomes": a completed row says how it ended, in words and with its own icon, from real runs in a home
// of their own.
describe('Session outcomes on the row', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let wfDir: string;
  const restores: (() => Promise<void>)[] = [];

  before(async () => {
    a = await api();
    wfDir = harness.tempDir('prodigy-it-workflows-');
    restores.push(await harness.useHome(a, harness.tempDir('prodigy-it-home-')));
    restores.push(await harness.setSetting('claude.command', harness.FAKE_CLAUDE));
  });

  after(async () => {
    for (const restore of restores.reverse()) await restore();
    harness.removeTempDirs();
  });

  let counter = 0;
  /** Runs `text` in a fresh repo, answering the merge question with `merge`; returns the session id. */
  async function run(text: string, merge: 'merge' | 'keep' | 'discard'): Promise<RunOutcome> {
    const outcome = await harness.exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file: harness.writeWorkflow(wfDir, `outcome-${++counter}.yml`, text),
      folder: harness.makeRepo(),
      merge,
      progress: false,
    });
    assert.ok(outcome, 'the run did not start');
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    return outcome;
  }

  function commits(name: string, n: number): string {
    const steps = Array.from(
      { length: n },
      (_, i) => `  - shell: "echo ${i} > f${i}.txt && git add f${i}.txt && git commit -qm f${i}"`,
    );
    return `name: ${name}\ncommands:\n${steps.join('\n')}\n`;
  }

  async function row(id: string): Promise<{ item: vscode.TreeItem; tooltip: string }> {
    const found = (await rootItems(a)).find(({ item }) => item.id === `session:${id}`);
    assert.ok(found, `no row for ${id}`);
    const resolved = await a.tree.resolveTreeItem(found.item, found.node);
    // Without Markdown escapes (appendText writes `\\-` and `&nbsp;`).
    const md = resolved.tooltip as vscode.MarkdownString;
    return { item: found.item, tooltip: md.value.replace(/&nbsp;/g, ' ').replace(/\\/g, '') };
  }

  function icon(item: vscode.TreeItem): [string, string | undefined] {
    const i = item.iconPath as vscode.ThemeIcon;
    return [i.id, i.color?.id];
  }

  it('a kept branch: "Completed · branch kept · 3 unmerged commits", a branch icon, and in the tooltip', async () => {
    const { sessionId } = await run(commits('kept-run', 3), 'keep');
    const { item, tooltip } = await row(sessionId);
    assert.match(String(item.description), /^Completed · branch kept · 3 unmerged commits · /);
    assert.deepStrictEqual(icon(item), ['git-branch', 'charts.purple']);
    assert.match(tooltip, /Outcome:\*\* branch kept · 3 unmerged commits/);
  });

  it('a merged run: "Completed · merged into main", a merge icon', async () => {
    const { sessionId } = await run(commits('merged-run', 2), 'merge');
    const { item, tooltip } = await row(sessionId);
    assert.match(String(item.description), /^Completed · merged into main · /);
    assert.deepStrictEqual(icon(item), ['git-merge', 'testing.iconPassed']);
    assert.match(tooltip, /Outcome:\*\* merged into main/);
  });

  it('Discard records discarded, and the row says so', async () => {
    const { sessionId, worktree } = await run(commits('discarded-run', 2), 'discard');
    assert.ok(worktree && !fs.existsSync(worktree), 'the worktree is still there');
    const merge = harness.readRecord(a.homes.current.folder, sessionId).metadata.merge;
    assert.strictEqual(merge.status, 'discarded');
    assert.strictEqual(merge.commits, 2);
    const { item } = await row(sessionId);
    assert.match(String(item.description), /^Completed · discarded · 2 commits deleted · /);
    assert.deepStrictEqual(icon(item), ['trash', 'disabledForeground']);
  });

  it('a MapReduce job with failed items: a warning icon and "2 of 3 items failed"; Merge and Reveal Worktree work', async () => {
    const items = JSON.stringify({ items: [{ name: 'a' }, { name: 'bad1' }, { name: 'bad2' }] });
    const text = `name: failing-items
mode: mapreduce
setup:
  - shell: "printf '%s' '${items.replace(/"/g, '\\"')}' > items.json && git add items.json && git commit -qm items"
map:
  input: items.json
  json_path: "$.items[*]"
  max_parallel: 2
  agent_template:
    - shell: "case \${item.name} in bad*) exit 1;; esac; echo \${item.name} > \${item.name}.txt && git add . && git commit -qm \${item.name}"
`;
    const { sessionId } = await run(text, 'keep');
    const { item, tooltip } = await row(sessionId);
    assert.match(String(item.description), /^Completed · branch kept · \d+ unmerged commits · 2 of 3 items failed · /);
    assert.deepStrictEqual(icon(item), ['warning', 'list.warningForeground']);
    assert.match(tooltip, /Outcome:\*\* branch kept · \d+ unmerged commits · 2 of 3 items failed/);
    // Its worktree is found from metadata.worktree_path: the row offers Merge and Reveal Worktree, and both work.
    assert.match(item.contextValue ?? '', /;worktree;.*mergeable;/);
    const revealed = await harness.exec<string | undefined>('prodigy.revealWorktree', sessionId);
    assert.ok(revealed && fs.existsSync(revealed), `revealWorktree gave ${revealed}`);
    const merged = await harness.exec<{ status: string } | undefined>('prodigy.mergeSession', sessionId);
    assert.strictEqual(merged?.status, 'merged');
    const after = await row(sessionId);
    assert.match(String(after.item.description), /^Completed · merged into main · 2 of 3 items failed · /);
    assert.deepStrictEqual(icon(after.item), ['warning', 'list.warningForeground'], 'still a warning: items failed');
  });

  it('the filter\'s "Not merged" shows only the work still on its branch', async () => {
    const kept = await run(commits('not-merged-run', 1), 'keep');
    const merged = await run(commits('merged-too', 1), 'merge');
    try {
      await harness.exec('prodigy.filterSessions', { notMerged: true });
      const ids = (await rootItems(a)).map(({ item }) => item.id);
      assert.ok(ids.includes(`session:${kept.sessionId}`), 'the kept run is hidden');
      assert.ok(!ids.includes(`session:${merged.sessionId}`), 'the merged run is shown');
      for (const { item } of await rootItems(a))
        if (item.contextValue?.startsWith('session;'))
          assert.match(String(item.description), /branch kept|merge conflict|merge failed/);
    } finally {
      await harness.exec('prodigy.clearFilter');
    }
  });
});
