// Claude steps in the extension: what a streaming call shows while it runs (the Output lines, the running
// row's and the status bar's current tool, refreshed at most every 250 ms), what it cost afterwards (the
// row, the tooltip, the checkpoint), Show Claude Transcript (a readable document with file links, never the
// raw JSON) and Continue in Claude Code (a terminal running `claude --resume` in the session's folder), and
// a session the Claude budget paused. Runs use the fake Claude CLI (test/fixtures/bin/claude) or, for the
// live views, a scripted stand-in written here that prints a stream at a pace the test controls.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../src/core';
import type { ProdigyExtensionApi } from '../../src/extension/extension';
// Types only: the extension's node classes live in its own bundle, so `instanceof` would not match here.
import type { CheckpointNode, DeadLetterNode, TreeNode } from '../../src/extension/sessionsTree/nodes';
import {
  FAKE_CLAUDE,
  REPO_ROOT,
  MessageRecorder,
  api,
  exec,
  makeRepo,
  readRecord,
  removeTempDirs,
  sessionRow,
  setSetting,
  sleep,
  tempDir,
  useHome,
  waitFor,
  writeWorkflow,
} from './helpers/harness';

/** The Claude Code session id the fake Claude prints. */
const FAKE_SESSION = '00000000-0000-4000-8000-000000000001';
/** The one the scripted stand-in prints. */
const LIVE_SESSION = '11111111-1111-4111-8111-111111111111';

/**
 * A stand-in Claude CLI whose stream the test paces. Its prompt is `<dir> <burst>`: it prints an init line and
 * a text, then `<burst>` tool calls at once (`Bash: echo 0` … `Bash: echo <burst-1>`), touches `<dir>/burst`,
 * then calls `Bash: sleep 1 && cargo test`, waits until `<dir>/gate` exists, and ends with the tool's result,
 * a Write of notes.md, a text and a $0.38 result.
 */
const LIVE_CLAUDE = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const argv = process.argv.slice(2);
const [dir, burst] = argv[argv.length - 1].split(' ');
const emit = (o) => process.stdout.write(JSON.stringify({ ...o, session_id: '${LIVE_SESSION}' }) + '\\n');
const say = (id, content) =>
  emit({ type: 'assistant', parent_tool_use_id: null, message: { id, role: 'assistant', model: 'live-model', content } });
emit({ type: 'system', subtype: 'init', cwd: process.cwd(), model: 'live-model', tools: ['Bash', 'Write'] });
say('msg_0', [{ type: 'text', text: 'Looking at the failing tests first.\\nThen the fix.' }]);
for (let i = 0; i < Number(burst); i++)
  say('msg_b' + i, [{ type: 'tool_use', id: 'toolu_b' + i, name: 'Bash', input: { command: 'echo ' + i } }]);
fs.writeFileSync(path.join(dir, 'burst'), '');
say('msg_1', [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'sleep 1 && cargo test' } }]);
const timer = setInterval(() => {
  if (!fs.existsSync(path.join(dir, 'gate'))) return;
  clearInterval(timer);
  emit({ type: 'user', parent_tool_use_id: null, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'test result: ok. 12 passed' }] } });
  fs.writeFileSync('notes.md', 'all green\\n');
  say('msg_2', [{ type: 'tool_use', id: 'toolu_2', name: 'Write', input: { file_path: path.resolve('notes.md'), content: 'all green' } }]);
  emit({ type: 'user', parent_tool_use_id: null, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'written' }] } });
  say('msg_3', [{ type: 'text', text: 'All tests pass now.' }]);
  emit({ type: 'result', subtype: 'success', is_error: false, result: 'All tests pass now.', num_turns: 6, duration_ms: 134000,
    total_cost_usd: 0.38, usage: { input_tokens: 1200, output_tokens: 3000, cache_read_input_tokens: 37000, cache_creation_input_tokens: 0 } });
}, 20);
`;

/** Records what it was started with: `{ argv, cwd }` as one JSON line in $RECORD_CLAUDE_LOG's file. */
const RECORDING_CLAUDE = (logFile: string) => `#!/bin/sh
printf '{"argv":"%s","cwd":"%s"}\\n' "$*" "$(pwd)" >> '${logFile}'
`;

/** Every line the extension writes to its output channel at info level, while recording. */
function recordOutput(a: ProdigyExtensionApi): { lines: string[]; dispose(): void } {
  const channel = a.log as unknown as Record<string, unknown>;
  const original = channel.info as (message: string, ...args: unknown[]) => void;
  const own = Object.prototype.hasOwnProperty.call(channel, 'info');
  const lines: string[] = [];
  channel.info = (message: string, ...args: unknown[]) => {
    lines.push(message);
    original.call(a.log, message, ...args);
  };
  return {
    lines,
    dispose: () => {
      if (own) channel.info = original;
      else delete channel.info;
    },
  };
}

function executable(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode: 0o755 });
  return file;
}

function md(item: vscode.TreeItem): string {
  return ((item.tooltip as vscode.MarkdownString | undefined)?.value ?? '').replace(/&nbsp;/g, ' ').replace(/\\/g, '');
}

describe('Claude steps', function () {
  this.timeout(60_000);
  let a: ProdigyExtensionApi;
  let home: string;
  let wfDir: string;
  let messages: MessageRecorder;
  const restores: (() => Promise<void>)[] = [];

  before(async () => {
    a = await api();
    home = tempDir('prodigy-it-claude-home-');
    wfDir = tempDir('prodigy-it-claude-workflows-');
    restores.push(await useHome(a, home));
    restores.push(await setSetting('claude.command', FAKE_CLAUDE));
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

  afterEach(async () => {
    for (const run of a.runs.active()) a.runs.stop(run.sessionId, a.homes.current.manager.paths);
    await waitFor('every run of this window to stop', () => a.runs.active().length === 0);
  });

  let counter = 0;
  async function runToEnd(text: string, repo = makeRepo()): Promise<RunOutcome> {
    const outcome = await exec<RunOutcome | undefined>('prodigy.runWorkflow', {
      file: writeWorkflow(wfDir, `claude-${++counter}.yml`, text),
      folder: repo,
      merge: 'keep',
      progress: false,
    });
    assert.ok(outcome, `the run did not start; messages: ${JSON.stringify(messages.messages)}`);
    return outcome;
  }

  async function children(id: string): Promise<{ node: TreeNode; item: vscode.TreeItem }[]> {
    await waitFor(`the row of ${id}`, () => sessionRow(a, id));
    const nodes = await a.tree.getChildren(a.tree.findSession(id)!);
    return nodes.map((node) => ({ node, item: a.tree.getTreeItem(node) }));
  }

  /** The open document at `uri` (the command opened it). */
  function openDoc(uri: vscode.Uri): vscode.TextDocument {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    assert.ok(doc, `no open document ${uri.toString()}`);
    return doc;
  }

  it('passes the Claude settings to the engine: print mode, and no budget unless one is set', async () => {
    assert.deepStrictEqual(a.settings().claude, { command: FAKE_CLAUDE, args: [], streaming: true });
    assert.strictEqual(a.settings().mergeConflicts, 'abort');
    const restoreStreaming = await setSetting('claude.streaming', false);
    const restoreBudget = await setSetting('claude.maxCostPerSession', 1.5);
    const claudeLog = path.join(tempDir('prodigy-it-claude-log-'), 'calls.log');
    process.env.FAKE_CLAUDE_LOG = claudeLog;
    try {
      assert.deepStrictEqual(a.settings().claude, {
        command: FAKE_CLAUDE,
        args: [],
        streaming: false,
        maxCostUsd: 1.5,
      });
      const outcome = await runToEnd('name: print-mode\ncommands:\n  - claude: "/echo plain words"\n');
      assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
      // Print mode: Prodigy's print arguments, plain output, nothing kept, no cost recorded.
      const call = JSON.parse(fs.readFileSync(claudeLog, 'utf8').trim().split('\n')[0]);
      assert.deepStrictEqual(call.argv, ['--print', '--dangerously-skip-permissions', '/echo plain words']);
      assert.strictEqual(readRecord(home, outcome.sessionId).metadata.claude, undefined);
      const row = await sessionRow(a, outcome.sessionId);
      assert.ok(row);
      assert.doesNotMatch(String(row.description), /\$/);
      assert.doesNotMatch(row.contextValue ?? '', /;claude;/);
      // Nothing to show: said so, with the setting that would change it.
      assert.strictEqual(await exec('prodigy.showClaudeTranscript', outcome.sessionId), undefined);
      const info = messages.find('info', /has no Claude transcript/);
      assert.ok(info, JSON.stringify(messages.messages));
      assert.deepStrictEqual(info.items, ['Open Setting']);
    } finally {
      delete process.env.FAKE_CLAUDE_LOG;
      await restoreBudget();
      await restoreStreaming();
    }
    const restoreConflicts = await setSetting('mergeConflicts', 'claude');
    try {
      assert.strictEqual(a.settings().mergeConflicts, 'claude');
    } finally {
      await restoreConflicts();
    }
  });

  it('prodigy.mergeConflicts reaches the engine: a conflicting agent merge goes to Claude only when set to claude', async () => {
    const claudeLog = path.join(tempDir('prodigy-it-conflicts-'), 'calls.log');
    const job = (name: string) => {
      const items = JSON.stringify({ items: [{ name: 'x' }, { name: 'y' }] }).replace(/"/g, '\\"');
      return `name: ${name}
mode: mapreduce
setup:
  - shell: "printf '%s' '${items}' > items.json && echo base > shared.txt && git add -A && git commit -qm setup"
map:
  input: items.json
  json_path: "$.items[*]"
  max_parallel: 2
  agent_template:
    - shell: "echo \${item.name} > shared.txt && git add shared.txt && git commit -qm \${item.name}"
`;
    };
    const mergePrompts = () =>
      (fs.existsSync(claudeLog) ? fs.readFileSync(claudeLog, 'utf8').trim().split('\n') : [])
        .map((l) => JSON.parse(l).prompt as string)
        .filter((p) => p.startsWith('A git merge of branch'));
    process.env.FAKE_CLAUDE_LOG = claudeLog;
    try {
      // The default, abort: the second agent's merge conflicts, and no Claude is asked.
      const aborted = await runToEnd(job('conflicts-abort'));
      assert.strictEqual(readRecord(home, aborted.sessionId).mapreduce_data.failed_items, 1);
      assert.deepStrictEqual(mergePrompts(), []);

      const restore = await setSetting('mergeConflicts', 'claude');
      try {
        const handed = await runToEnd(job('conflicts-claude'));
        const prompts = mergePrompts();
        assert.strictEqual(prompts.length, 1, JSON.stringify(prompts));
        assert.match(prompts[0], /shared\.txt/);
        // The fake Claude does not resolve it: the merge is aborted as without Claude, and the call is counted.
        const rec = readRecord(home, handed.sessionId);
        assert.strictEqual(rec.mapreduce_data.failed_items, 1);
        assert.strictEqual(rec.metadata.claude.runs, 1);
      } finally {
        await restore();
      }
    } finally {
      delete process.env.FAKE_CLAUDE_LOG;
    }
  });

  it('after a streaming run, the row shows its cost, the tooltip its usage, the checkpoint its step cost', async () => {
    const output = recordOutput(a);
    let outcome: RunOutcome;
    try {
      outcome = await runToEnd(
        'name: priced\ncommands:\n  - name: plan\n    claude: "/cost 0.25 planned it"\n' +
          '  - name: write notes\n    claude: "/write notes.txt hello"\n',
      );
    } finally {
      output.dispose();
    }
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    const id = outcome.sessionId;
    // The Output channel: readable activity (the tool, the usage), never the stream's JSON.
    const mine = output.lines.filter((l) => l.startsWith(`[${id}]`));
    assert.ok(
      mine.some((l) => /🔧 Write notes\.txt$/.test(l)),
      mine.join('\n'),
    );
    assert.ok(
      mine.some((l) => /✓ 2 turns · 1\.2k tokens · \$0\.25 · 5ms$/.test(l)),
      mine.join('\n'),
    );
    assert.ok(!output.lines.some((l) => l.includes('{"type"')), output.lines.join('\n'));

    const row = await waitFor('the row', () => sessionRow(a, id));
    assert.match(String(row.description), /^Completed · .* · \$0\.26 · just now$/);
    assert.match(row.contextValue ?? '', /;claude;/);
    const node = a.tree.findSession(id)!;
    const tooltip = md(await a.tree.resolveTreeItem(a.tree.getTreeItem(node), node));
    assert.match(tooltip, /\*\*Calls:\*\* 2/);
    assert.match(tooltip, /\*\*Cost:\*\* \$0\.26/);
    assert.match(tooltip, /\*\*Tokens:\*\* 200 in · 40 out · 2k cache read · 100 cache write/);
    assert.match(tooltip, /\*\*Tool uses:\*\* 1/);
    assert.match(tooltip, /\*\*Last call:\*\* write notes/);

    const rows = await children(id);
    const plan = rows.find(({ item }) => String(item.label).includes('plan'));
    assert.ok(plan, rows.map(({ item }) => String(item.label)).join(', '));
    assert.match(String(plan.item.description), /\$0\.25/);
    assert.match(plan.item.contextValue ?? '', /^checkpoint;restorable;.*claude;$/);
    const planTip = md(await a.tree.resolveTreeItem(plan.item, plan.node));
    assert.match(planTip, /\*\*Claude cost:\*\* \$0\.25/);
  });

  it('Show Claude Transcript opens a readable document of the call, with file links and Claude Code’s own transcript', async () => {
    const configDir = tempDir('prodigy-it-claude-config-');
    const outcome = await runToEnd(
      'name: transcribed\ncommands:\n  - name: write notes\n    claude: "/write notes.txt hello"\n',
    );
    assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
    const id = outcome.sessionId;
    const wt = outcome.worktree!;
    // Claude Code's own transcript of the call, where Claude Code keeps it for this folder ($CLAUDE_CONFIG_DIR).
    const own = path.join(configDir, 'projects', wt.replace(/[^A-Za-z0-9]/g, '-'), `${FAKE_SESSION}.jsonl`);
    fs.mkdirSync(path.dirname(own), { recursive: true });
    fs.writeFileSync(own, '{}\n');
    process.env.CLAUDE_CONFIG_DIR = configDir;
    let uri: vscode.Uri | undefined;
    try {
      uri = await exec<vscode.Uri | undefined>('prodigy.showClaudeTranscript', a.tree.findSession(id) ?? id);
    } finally {
      delete process.env.CLAUDE_CONFIG_DIR;
    }
    assert.ok(uri, JSON.stringify(messages.messages));
    assert.strictEqual(uri.scheme, 'prodigy-transcript');
    // The tab is named after the workflow and the step, not an id.
    assert.strictEqual(path.posix.basename(uri.path), 'transcribed · write notes (Claude transcript)');
    const doc = openDoc(uri);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
    const text = doc.getText();
    assert.match(text, /^Claude Code transcript$/m);
    assert.match(text, /^ {2}session {2}00000000-0000-4000-8000-000000000001 {2}\(claude --resume /m);
    assert.match(text, /^🔧 Write notes\.txt$/m);
    assert.match(text, /^✓ 2 turns · 1\.2k tokens · \$0\.01 · 5ms$/m);
    assert.ok(!text.includes('{"type"'), text);
    assert.match(
      text,
      new RegExp(`^Claude Code's own transcript: ${own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
    );

    // Links: the file Claude wrote (in the worktree), and Claude Code's transcript.
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', uri);
    const targets = links.map((l) => l.target?.fsPath);
    assert.ok(targets.includes(path.join(wt, 'notes.txt')), JSON.stringify(targets));
    assert.ok(targets.includes(own), JSON.stringify(targets));
    const writeLink = links.find((l) => l.target?.fsPath === path.join(wt, 'notes.txt'))!;
    assert.strictEqual(doc.getText(writeLink.range), 'notes.txt');
    // Read-only: a virtual document of its own scheme, not a file.
    assert.strictEqual(doc.isUntitled, false);
    assert.ok(!fs.existsSync(uri.fsPath), 'the transcript is not a file on disk');

    // The checkpoint row of the step opens the same call's transcript.
    const cp = (await children(id)).find(({ item }) => /write notes/.test(String(item.label)));
    assert.ok(cp);
    const cpUri = await exec<vscode.Uri | undefined>('prodigy.showClaudeTranscript', cp.node);
    assert.ok(cpUri);
    assert.strictEqual(JSON.parse(cpUri.query).file, JSON.parse(uri.query).file);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Show Claude Transcript says so when the kept stream is gone', async () => {
    const outcome = await runToEnd('name: forgotten\ncommands:\n  - claude: "/echo hi"\n');
    const id = outcome.sessionId;
    const cp = (await children(id)).find(({ node }) => node.kind === 'checkpoint');
    assert.ok(cp);
    const stream = (cp.node as CheckpointNode).checkpoint.json_log_location;
    assert.ok(stream && stream.startsWith(path.join(home, 'logs', 'claude-streaming')), String(stream));
    fs.rmSync(stream);
    const result = await exec('prodigy.showClaudeTranscript', {
      sessionId: id,
      checkpointId: (cp.node as CheckpointNode).checkpoint.id,
    });
    assert.strictEqual(result, undefined);
    const warning = messages.find('warning', /Claude transcript of "forgotten" .* is gone: .* no longer exists/);
    assert.ok(warning, JSON.stringify(messages.messages));
    assert.ok(warning.text.includes(stream));
  });

  it("a failed MapReduce item's row opens its agent's Claude transcript", async () => {
    const items = JSON.stringify({ items: [{ name: 'a' }] }).replace(/"/g, '\\"');
    const outcome = await runToEnd(`name: claude-job
mode: mapreduce
setup:
  - shell: "printf '%s' '${items}' > items.json && git add items.json && git commit -qm items"
map:
  input: items.json
  json_path: "$.items[*]"
  agent_template:
    - claude: "/error-result quota exhausted for \${item.name}"
`);
    const id = outcome.sessionId;
    const failed = (await children(id)).find(({ node }) => node.kind === 'deadLetter');
    assert.ok(failed, 'no failed-item row');
    assert.strictEqual(failed.item.contextValue, 'dlq;retryable;claude;');
    assert.match((failed.node as DeadLetterNode).claudeStream ?? '', /\.jsonl$/);
    const uri = await exec<vscode.Uri | undefined>('prodigy.showClaudeTranscript', failed.node);
    assert.ok(uri, JSON.stringify(messages.messages));
    assert.match(path.posix.basename(uri.path), /^claude-job · a \(#1\) \(Claude transcript\)$/);
    assert.match(openDoc(uri).getText(), /✗ .*quota exhausted for a/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("a running MapReduce agent's row opens the transcript of its call in flight; its activity names the item", async () => {
    const dir = tempDir('prodigy-it-agent-');
    const restore = await setSetting('claude.command', executable(dir, 'live-claude', LIVE_CLAUDE));
    const output = recordOutput(a);
    try {
      const items = JSON.stringify({ items: [{ name: 'a' }] }).replace(/"/g, '\\"');
      const run = exec<RunOutcome | undefined>('prodigy.runWorkflow', {
        file: writeWorkflow(
          wfDir,
          'agent-live.yml',
          `name: agent-live
mode: mapreduce
setup:
  - shell: "printf '%s' '${items}' > items.json && git add items.json && git commit -qm items"
map:
  input: items.json
  json_path: "$.items[*]"
  agent_template:
    - claude: "${dir} 0"
`,
        ),
        folder: makeRepo(),
        merge: 'keep',
        progress: false,
      });
      const id = await waitFor(
        'the job',
        () => a.runs.active().find((r) => r.workflowName === 'agent-live')?.sessionId,
      );
      await waitFor('the agent to call its tool', () => fs.existsSync(path.join(dir, 'burst')));
      const agent = await waitFor('the agent row', async () =>
        (await children(id)).find(({ node }) => node.kind === 'agent'),
      );
      assert.strictEqual(agent.item.contextValue, 'agent;');
      const uri = await waitFor('the transcript of the call in flight', async () => {
        const u = await exec<vscode.Uri | undefined>('prodigy.showClaudeTranscript', agent.node);
        return u && /🔧 Bash/.test(openDoc(u).getText()) ? u : undefined;
      });
      assert.strictEqual(path.posix.basename(uri.path), 'agent-live · a (#1) (Claude transcript)');
      assert.match(openDoc(uri).getText(), /^ {4}\$ sleep 1 && cargo test$/m);
      // An agent's activity goes to the Output under its item, not to the job's row.
      await waitFor('the agent activity in the Output', () =>
        output.lines.some((l) => l === `[${id}] item_0:   🔧 Bash: sleep 1 && cargo test`),
      );
      assert.strictEqual(a.runs.currentTool(id), null);
      fs.writeFileSync(path.join(dir, 'gate'), '');
      const outcome = await run;
      assert.strictEqual(outcome?.status, 'Completed', outcome?.error ?? '');
      assert.strictEqual(readRecord(home, id).metadata.claude.runs, 1);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      output.dispose();
      fs.writeFileSync(path.join(dir, 'gate'), '');
      await restore();
    }
  });

  it('shows the tool Claude runs now on the row and in the status bar, refreshed at most every 250 ms, and follows it in an open transcript', async () => {
    const dir = tempDir('prodigy-it-live-');
    const restore = await setSetting('claude.command', executable(dir, 'live-claude', LIVE_CLAUDE));
    const output = recordOutput(a);
    /** When each change of this window's runs came, and the tool it showed (the rows follow these changes). */
    const changes: { at: number; tool: string | null }[] = [];
    const sub = a.runs.onDidChangeRuns(() => {
      const run = a.runs.active().find((r) => r.workflowName === 'live');
      if (run) changes.push({ at: performance.now(), tool: run.tool });
    });
    try {
      const run = exec<RunOutcome | undefined>('prodigy.runWorkflow', {
        file: writeWorkflow(
          wfDir,
          'live.yml',
          `name: live\ncommands:\n  - shell: "true"\n  - name: fix the tests\n    claude: "${dir} 300"\n`,
        ),
        folder: makeRepo(),
        merge: 'keep',
        progress: false,
      });
      const id = await waitFor('the run', () => a.runs.active().find((r) => r.workflowName === 'live')?.sessionId);
      await waitFor('the burst of tool calls', () => fs.existsSync(path.join(dir, 'burst')));

      // The tool running now, on the row and in the status bar.
      const row = await waitFor('the row to show the tool', async () => {
        const r = await sessionRow(a, id);
        return r && String(r.description).includes('Bash: sleep 1 && cargo test') ? r : undefined;
      });
      assert.match(String(row.description), /^Running · step 2\/2 · Bash: sleep 1 && cargo test · /);
      assert.strictEqual(a.runs.currentTool(id), 'Bash: sleep 1 && cargo test');
      await waitFor('the status bar to show the tool', () =>
        a.statusBar.item.text.includes('live · step 2/2 · Bash: sleep 1 && cargo test'),
      );
      assert.match(a.statusBar.item.text, /^\$\(sync~spin\) /);

      // 301 tool calls arrived at once: the row followed them in a few changes, 250 ms or more apart.
      await sleep(400);
      const toolChanges = changes.filter((c) => c.tool !== null);
      const seen = `${toolChanges.length} changes: ${JSON.stringify(toolChanges.slice(0, 4))}…`;
      assert.ok(toolChanges.length >= 1 && toolChanges.length <= 6, seen);
      for (let i = 1; i < toolChanges.length; i++) assert.ok(toolChanges[i].at - toolChanges[i - 1].at >= 240, seen);

      // The transcript of the call in flight, then followed as the call goes on.
      const uri = await exec<vscode.Uri | undefined>('prodigy.showClaudeTranscript', id);
      assert.ok(uri, JSON.stringify(messages.messages));
      assert.strictEqual(path.posix.basename(uri.path), 'live · fix the tests (Claude transcript)');
      const doc = openDoc(uri);
      assert.match(doc.getText(), /^🔧 Bash$/m);
      assert.match(doc.getText(), /stream ended without a result/);

      fs.writeFileSync(path.join(dir, 'gate'), '');
      const outcome = await run;
      assert.ok(outcome);
      assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
      await waitFor('the open transcript to follow the call to its end', () =>
        /^✓ 6 turns · 41\.2k tokens · \$0\.38 · 2m 14s$/m.test(doc.getText()),
      );
      assert.match(doc.getText(), /^ {2}└ test result: ok\. 12 passed$/m);
      // The row no longer shows a tool; it shows the cost.
      const done = await sessionRow(a, id);
      assert.ok(done);
      assert.doesNotMatch(String(done.description), /Bash/);
      assert.match(String(done.description), /· \$0\.38 ·/);

      // The Output channel had the readable lines, in order, and none of the JSON.
      const mine = output.lines.filter((l) => l.startsWith(`[${id}]`)).map((l) => l.slice(id.length + 2).trim());
      const at = (re: RegExp) => mine.findIndex((l) => re.test(l));
      const order = [
        at(/^Claude Code · live-model$/),
        at(/^Looking at the failing tests first\. …$/),
        at(/^🔧 Bash: echo 0$/),
        at(/^🔧 Bash: sleep 1 && cargo test$/),
        at(/^🔧 Write notes\.md$/),
        at(/^All tests pass now\.$/),
        at(/^✓ 6 turns · 41\.2k tokens · \$0\.38 · 2m 14s$/),
      ];
      assert.ok(
        order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])),
        `${JSON.stringify(order)}\n${mine.join('\n')}`,
      );
      assert.ok(!output.lines.some((l) => l.includes('{"type"')));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      sub.dispose();
      output.dispose();
      fs.writeFileSync(path.join(dir, 'gate'), '');
      await restore();
    }
  });

  it('the real Claude Code CLI: its tool is seen live on the row and in the status bar, and its transcript opens', async function () {
    this.timeout(120_000);
    // The pinned CLI, offline against a scripted Messages API on 127.0.0.1 (test/support/anthropicApi.mjs): a Bash
    // tool that takes a few seconds (so the row and status bar can be seen showing it), then a text.
    const bin = path.join(
      REPO_ROOT,
      'node_modules',
      `@anthropic-ai/claude-code-${process.platform}-${process.arch}`,
      'claude',
    );
    assert.ok(fs.existsSync(bin), `the real Claude Code CLI is not installed at ${bin} (npm ci installs it)`);
    const { startScriptedApi } = (await import(
      pathToFileURL(path.join(REPO_ROOT, 'test', 'support', 'anthropicApi.mjs')).href
    )) as {
      startScriptedApi: (script: unknown[]) => Promise<{ url: string; requests: unknown[]; close(): Promise<void> }>;
    };
    const scripted = await startScriptedApi([
      { text: 'Checking the build.', tools: [{ name: 'Bash', input: { command: 'sleep 4 && echo built' } }] },
      { text: 'The build is fine.' },
    ]);
    const claudeHome = tempDir('prodigy-it-real-claude-home-');
    // The extension's runs inherit this process's environment: pointed at the scripted API for this test only.
    const saved: Record<string, string | undefined> = {};
    const env: Record<string, string> = {
      ANTHROPIC_BASE_URL: scripted.url,
      ANTHROPIC_API_KEY: 'sk-ant-offline-test',
      CLAUDE_CONFIG_DIR: path.join(claudeHome, '.claude'),
      CLAUDE_CODE_TMPDIR: claudeHome,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      // As root, Claude Code refuses --dangerously-skip-permissions outside a sandbox: tests only.
      IS_SANDBOX: '1',
    };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    const restore = await setSetting('claude.command', bin);
    try {
      const run = exec<RunOutcome | undefined>('prodigy.runWorkflow', {
        file: writeWorkflow(
          wfDir,
          'real.yml',
          'name: real-claude\ncommands:\n  - name: check the build\n    claude: "Check the build"\n',
        ),
        folder: makeRepo(),
        merge: 'keep',
        progress: false,
      });
      const id = await waitFor(
        'the run',
        () => a.runs.active().find((r) => r.workflowName === 'real-claude')?.sessionId,
        30_000,
      );
      const row = await waitFor(
        'the row to show the Bash tool',
        async () => {
          const r = await sessionRow(a, id);
          return r && String(r.description).includes('Bash: sleep 4 && echo built') ? r : undefined;
        },
        30_000,
      );
      assert.match(String(row.description), /^Running · step 1\/1 · Bash: sleep 4 && echo built · /);
      await waitFor('the status bar to show the tool', () =>
        a.statusBar.item.text.includes('Bash: sleep 4 && echo built'),
      );
      const outcome = await run;
      assert.ok(outcome);
      assert.strictEqual(outcome.status, 'Completed', outcome.error ?? '');
      assert.strictEqual(scripted.requests.length, 2);
      const uri = await exec<vscode.Uri | undefined>('prodigy.showClaudeTranscript', id);
      assert.ok(uri, JSON.stringify(messages.messages));
      const text = openDoc(uri).getText();
      assert.match(text, /\$ sleep 4 && echo built/);
      assert.match(text, /The build is fine\./);
      assert.match(text, /^✓ 2 turns · /m);
      assert.ok(!text.includes('{"type"'), 'no raw JSON in the transcript');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      await restore();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await scripted.close();
    }
  });

  it('a session the Claude budget paused says why on its row, in its tooltip and in a notification', async () => {
    const restore = await setSetting('claude.maxCostPerSession', 0.2);
    let outcome: RunOutcome;
    try {
      outcome = await runToEnd(
        'name: on-a-budget\ncommands:\n  - claude: "/cost 0.25 first"\n  - claude: "/cost 0.25 second"\n',
      );
    } finally {
      await restore();
    }
    assert.strictEqual(outcome.status, 'Paused', outcome.error ?? '');
    const id = outcome.sessionId;
    assert.match(readRecord(home, id).error, /^Claude budget reached: \$0\.25 spent of the \$0\.20 allowed/);
    const row = await waitFor('the row', () => sessionRow(a, id));
    assert.match(String(row.description), /^Paused \(Claude budget reached\) · .* · \$0\.25 · just now$/);
    const node = a.tree.findSession(id)!;
    const tooltip = md(await a.tree.resolveTreeItem(a.tree.getTreeItem(node), node));
    assert.match(tooltip, /\*\*Paused:\*\* Claude budget reached: \$0\.25 spent of the \$0\.20 allowed/);
    assert.match(tooltip, /Raise `prodigy\.claude\.maxCostPerSession`/);
    const warning = messages.find('warning', /"[^"]+" \(started [^)]+\) paused: Claude budget reached/);
    assert.ok(warning, JSON.stringify(messages.messages));
    assert.deepStrictEqual(warning.items, ['Open Setting', 'Resume']);
  });

  it('Continue in Claude Code opens a terminal named after the workflow, in the session’s folder, running claude --resume', async () => {
    const outcome = await runToEnd(
      'name: needs-a-hand\ncommands:\n  - claude: "/write notes.txt draft"\n  - shell: "echo the build broke >&2; exit 3"\n',
    );
    assert.strictEqual(outcome.status, 'Failed', outcome.error ?? '');
    const id = outcome.sessionId;
    const wt = outcome.worktree!;
    const row = await waitFor('the row', () => sessionRow(a, id));
    assert.match(row.contextValue ?? '', /;claude-resumable;/);

    // The command the user set runs, with the Claude Code session of the last call.
    const dir = tempDir('prodigy-it-resume-');
    const log = path.join(dir, 'started.log');
    const restore = await setSetting('claude.command', executable(dir, 'claude code', RECORDING_CLAUDE(log)));
    const before = new Set(vscode.window.terminals);
    try {
      const result = await exec<{ name: string; cwd: string } | undefined>(
        'prodigy.continueInClaude',
        a.tree.findSession(id),
      );
      assert.deepStrictEqual(result, { name: 'needs-a-hand (Claude Code)', cwd: wt });
      const terminal = vscode.window.terminals.find((t) => !before.has(t));
      assert.ok(terminal, 'no terminal was opened');
      assert.strictEqual(terminal.name, 'needs-a-hand (Claude Code)');
      const options = terminal.creationOptions as vscode.TerminalOptions;
      assert.strictEqual(typeof options.cwd === 'string' ? options.cwd : options.cwd?.fsPath, wt);
      const started = await waitFor('the terminal to start claude', () =>
        fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim() : undefined,
      );
      assert.deepStrictEqual(JSON.parse(started.split('\n')[0]), { argv: `--resume ${FAKE_SESSION}`, cwd: wt });
      assert.ok(messages.find('info', /resume the workflow where it stopped/), JSON.stringify(messages.messages));
      terminal.dispose();
    } finally {
      await restore();
    }

    // Not offered for a session that finished, nor for one that never ran Claude.
    const finished = await runToEnd('name: all-good\ncommands:\n  - claude: "/echo fine"\n');
    const noClaude = await runToEnd('name: no-claude\ncommands:\n  - shell: "exit 1"\n');
    assert.strictEqual(noClaude.status, 'Failed');
    for (const other of [finished.sessionId, noClaude.sessionId]) {
      const r = await sessionRow(a, other);
      assert.ok(r);
      assert.doesNotMatch(r.contextValue ?? '', /claude-resumable/);
    }
    const refused = await exec('prodigy.continueInClaude', { sessionId: finished.sessionId });
    assert.strictEqual(refused, undefined);
    assert.ok(
      messages.find('error', /only a Failed or Paused session is continued in Claude Code/),
      JSON.stringify(messages.messages),
    );
  });
});
