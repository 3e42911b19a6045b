// A MapReduce job's rows in the Sessions tree (issue 14, Build 6): items labelled from their own fields with the
// error as the description, the agents that succeeded under "✓ N succeeded" with their logs, Retry This Item on a
// failed item's row (only that item runs), and Retry Failed Items inline on a session with failures. Real git,
// real processes, in a Prodigy home of its own.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
import type { TreeNode } from '../../src/extension/sessionsTree/nodes';
import {
  EXTENSION_ID,
  MessageRecorder,
  api,
  exec,
  label,
  makeRepo,
  readRecord,
  removeTempDirs,
  sessionRow,
  tempDir,
  useHome,
  waitFor,
  writeWorkflow,
} from './helpers/harness';

/**
 * Items 1 and 2 (beta, gamma) fail until `fixed_<index>` exists in `gates`; an agent waits while `hold_<index>` exists
 * there; each item's agent says what it does.
 */
function jobWorkflow(gates: string): string {
  const items = JSON.stringify({
    items: [{ name: 'alpha' }, { title: 'beta' }, { id: 'gamma', n: 3 }, { n: 4, path: 'src/delta.rs' }],
  }).replace(/"/g, '\\"');
  const fails = `test -f ${gates}/fixed_\${item_index} || { echo no fix for \${item_index} >&2; false; }`;
  return `name: rows-job
mode: mapreduce
setup:
  - shell: "printf '%s' '${items}' > items.json && git add items.json && git commit -qm items"
map:
  input: items.json
  json_path: "$.items[*]"
  max_parallel: 2
  agent_template:
    - shell: "while [ -f ${gates}/hold_\${item_index} ]; do sleep 0.05; done; echo working on \${item_index}; { test \${item_index} != 1 && test \${item_index} != 2 || ${fails}; } && echo \${item_index} > out_\${item_index}.txt"
reduce:
  - shell: "echo \${map.successful} of \${map.total} > summary.txt && git add summary.txt && git commit -qm summary"
`;
}

/** Whether a `viewItem =~ /…/` when-clause of the Sessions view matches a row's context value. */
function whenMatches(when: string, contextValue: string): boolean {
  if (!when.includes('view == prodigy.sessions')) return false;
  const tests = [...when.matchAll(/viewItem =~ \/((?:[^/\\]|\\.)*)\//g)].map((m) => new RegExp(m[1]));
  return tests.length > 0 && tests.every((re) => re.test(contextValue));
}

describe('MapReduce rows', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let home: string;
  let wfDir: string;
  let gates: string;
  let messages: MessageRecorder;
  let outcome: RunOutcome;
  const restores: (() => Promise<void>)[] = [];

  const children = async (node: TreeNode) =>
    (await a.tree.getChildren(node)).map((n) => ({ n, item: a.tree.getTreeItem(n) }));
  const jobRows = () => children(a.tree.findSession(outcome.sessionId)!);

  before(async () => {
    a = await api();
    home = tempDir('prodigy-it-mr-home-');
    wfDir = tempDir('prodigy-it-mr-workflows-');
    gates = tempDir('prodigy-it-mr-gates-');
    restores.push(await useHome(a, home));
    messages = new MessageRecorder();
    const repo = makeRepo();
    const run = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file: writeWorkflow(wfDir, 'rows-job.yml', jobWorkflow(gates)),
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    assert.ok(run, `the job did not start; messages: ${JSON.stringify(messages.messages)}`);
    assert.strictEqual(run.status, 'Completed', run.error ?? '');
    outcome = run;
    await waitFor('the job row', () => sessionRow(a, outcome.sessionId));
  });

  after(async () => {
    messages?.dispose();
    for (const restore of restores.reverse()) await restore();
    removeTempDirs();
  });

  afterEach(async () => {
    for (const run of a.runs.active()) a.runs.stop(run.sessionId, a.homes.current.manager.paths);
    await waitFor('every run of this window to stop', () => a.runs.active().length === 0);
  });

  it('labels failed items from their own fields, with the error (not the script) as the description', async () => {
    const rows = await jobRows();
    const failed = rows.filter(({ item }) => item.contextValue?.startsWith('dlq;'));
    assert.deepStrictEqual(
      failed.map(({ item }) => label(item)),
      ['beta (#2)', 'gamma (#3)'],
    );
    for (const { item } of failed) {
      assert.match(String(item.description), /^exit code 1 · no fix for [12]$/);
      assert.doesNotMatch(String(item.description), /working on|shell:/);
    }
  });

  it('groups the agents that succeeded under "✓ 2 succeeded", each with its log', async () => {
    const rows = await jobRows();
    const group = rows.find(({ item }) => item.id === `succeeded:${outcome.sessionId}`);
    assert.ok(group, `no succeeded group; got ${rows.map(({ item }) => item.id).join(', ')}`);
    assert.strictEqual(label(group.item), '✓ 2 succeeded');
    assert.strictEqual(group.item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const agents = await children(group.n);
    assert.deepStrictEqual(
      agents.map(({ item }) => label(item)),
      ['alpha (#1)', 'src/delta.rs (#4)'],
    );
    assert.strictEqual(a.tree.getParent(agents[0].n), group.n);
    assert.match(String(agents[1].item.description), /^in \d+s · 1 commit$/);
    assert.strictEqual(agents[1].item.command?.command, 'prodigy.openAgentLog');
    const logUri = await exec<vscode.Uri>('prodigy.openAgentLog', agents[1].n);
    // Its tab is titled with the item's label, not `item_3.log`.
    assert.strictEqual(path.posix.basename(logUri.path), 'src∕delta.rs (#4).log');
    const doc = await waitFor('the agent log', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.toString() === logUri.toString()),
    );
    assert.match(doc.getText(), /working on 3/);
  });

  it('offers Retry Failed Items inline on a session with failures, and Retry This Item on each failed item', async () => {
    const menus = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus['view/item/context'] as {
      command: string;
      when: string;
      group?: string;
    }[];
    const inline = (command: string, contextValue: string) =>
      menus.some((m) => m.command === command && m.group?.startsWith('inline') && whenMatches(m.when, contextValue));
    const row = (await sessionRow(a, outcome.sessionId))!;
    assert.match(row.contextValue ?? '', /;hasfailed;/);
    assert.ok(inline('prodigy.retryFailedItems', row.contextValue!), `not inline on ${row.contextValue}`);
    assert.ok(!inline('prodigy.retryFailedItems', row.contextValue!.replace('hasfailed;', '')));
    const dlq = (await jobRows()).find(({ item }) => item.contextValue?.startsWith('dlq;'))!;
    assert.ok(inline('prodigy.retryFailedItem', dlq.item.contextValue!), `not inline on ${dlq.item.contextValue}`);
  });

  it('Retry This Item runs only that item', async () => {
    // Both would succeed now: only the one retried may run.
    fs.writeFileSync(path.join(gates, 'fixed_1'), '');
    fs.writeFileSync(path.join(gates, 'fixed_2'), '');
    const gamma = (await jobRows()).find(({ item }) => item.id === `dlq:${outcome.sessionId}:item_2`);
    assert.ok(gamma, 'no row for gamma');
    const retried = await exec<RunOutcome | undefined>('prodigy.retryFailedItem', gamma.n);
    assert.ok(retried, `the retry did not start; messages: ${JSON.stringify(messages.messages)}`);
    const rows = await jobRows();
    assert.deepStrictEqual(
      rows.filter(({ item }) => item.contextValue?.startsWith('dlq;')).map(({ item }) => label(item)),
      ['beta (#2)'],
    );
    assert.strictEqual(readRecord(home, outcome.sessionId).mapreduce_data.failed_items, 1);
    assert.ok(fs.existsSync(path.join(outcome.worktree!, 'out_2.txt')), 'gamma ran');
    assert.ok(!fs.existsSync(path.join(outcome.worktree!, 'out_1.txt')), 'beta ran too');
    const group = rows.find(({ item }) => item.id === `succeeded:${outcome.sessionId}`)!;
    assert.strictEqual(label(group.item), '✓ 3 succeeded');
  });

  it('a retry shows the row Running and the agent at work with its elapsed time', async () => {
    const hold = path.join(gates, 'hold_1');
    fs.writeFileSync(hold, '');
    const retry = exec<RunOutcome | undefined>('prodigy.retryFailedItems', {
      sessionId: outcome.sessionId,
      merge: 'keep',
      progress: false,
    });
    const row = await waitFor('the row to show the retry', async () => {
      const r = await sessionRow(a, outcome.sessionId);
      return r && /^Running · retrying failed items/.test(String(r.description)) ? r : undefined;
    });
    assert.strictEqual((row.iconPath as vscode.ThemeIcon).id, 'sync~spin');
    // Running, it is a live run: Stop, no Retry, Delete, Merge or Discard meanwhile.
    assert.match(row.contextValue ?? '', /;live;/);
    assert.doesNotMatch(row.contextValue ?? '', /;(hasfailed|deletable|mergeable|discardable|resumable);/);
    const agent = await waitFor('the running agent', async () =>
      (await jobRows()).find(({ item }) => item.id === `agent:${outcome.sessionId}:item_1`),
    );
    assert.strictEqual(label(agent.item), 'beta (#2)');
    assert.match(String(agent.item.description), /^running \d+s$/);
    // The item at work is its agent's row, not also a failed row offering Retry This Item.
    assert.ok(!(await jobRows()).some(({ item }) => item.id === `dlq:${outcome.sessionId}:item_1`));
    messages.answer = () => undefined;
    fs.rmSync(hold);
    const retried = await retry;
    assert.ok(retried);
    assert.strictEqual(retried.retry?.reduce_stale, true);
    const after = await sessionRow(a, outcome.sessionId);
    assert.doesNotMatch(String(after?.description), /retrying/);
    assert.ok(!(await jobRows()).some(({ item }) => item.contextValue?.startsWith('dlq;')), 'no failed item left');
    // The reduce summed up 2 of 4 before the retries: the end of the retry offers to run it again.
    assert.strictEqual(fs.readFileSync(path.join(outcome.worktree!, 'summary.txt'), 'utf8'), '2 of 4\n');
    const offer = messages.messages.filter((m) => m.items.includes('Run Reduce Again')).pop();
    assert.ok(offer, `no Run Reduce Again offer; messages: ${JSON.stringify(messages.messages)}`);
    assert.match(
      offer.text,
      /^Prodigy: "rows-job" \(started .*\): 1 of 1 retried item succeeded\. The reduce phase ran before them/,
    );
  });

  it('Run Reduce Again runs the reduce phase with every item; the record stays Completed', async () => {
    const row = (await sessionRow(a, outcome.sessionId))!;
    assert.match(row.contextValue ?? '', /^session;completed;mapreduce;/);
    const reduce = exec<RunOutcome | undefined>('prodigy.rerunReduce', {
      sessionId: outcome.sessionId,
      merge: 'keep',
      progress: false,
    });
    const done = await reduce;
    assert.ok(done, `the reduce did not start; messages: ${JSON.stringify(messages.messages)}`);
    assert.strictEqual(done.status, 'Completed', done.error ?? '');
    assert.strictEqual(fs.readFileSync(path.join(outcome.worktree!, 'summary.txt'), 'utf8'), '4 of 4\n');
    assert.strictEqual(readRecord(home, outcome.sessionId).status, 'Completed');
  });

  it('Merge Session Branch from the palette offers the kept job by its name and merges its worktree branch', async () => {
    const offered: string[] = [];
    const w = vscode.window as unknown as { showQuickPick: unknown };
    const saved = w.showQuickPick;
    w.showQuickPick = async (items: readonly (vscode.QuickPickItem & { summary: { id: string } })[]) => {
      offered.push(...items.map((i) => i.label));
      return items.find((i) => i.summary.id === outcome.sessionId);
    };
    let merged: { status: string; commits?: number } | undefined;
    try {
      // No argument: what the palette passes.
      merged = await exec('prodigy.mergeSession');
    } finally {
      w.showQuickPick = saved;
    }
    assert.ok(
      offered.some((l) => /^"rows-job" \(started [^)]+\)$/.test(l)),
      JSON.stringify(offered),
    );
    assert.strictEqual(merged?.status, 'merged', JSON.stringify(merged));
    const record = readRecord(home, outcome.sessionId);
    assert.strictEqual(record.metadata.merge?.status, 'merged');
    assert.ok(messages.find('info', /^Prodigy: "rows-job" \(started [^)]+\) merged into \w+ \(\d+ commits?\)\.$/));
  });
});
