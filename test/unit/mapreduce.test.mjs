// MapReduce jobs end to end with real git worktrees and processes: bounded parallelism, the item
// pipeline, the dead-letter queue and its retry, a merge conflict between agents, Ctrl-C in the map
// phase and a resume that redoes nothing finished, zero items, reduce variables, and the files.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_CLI, core } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { engineEnv, mapReduceJob, readIn } from './helpers/engine.mjs';

hermeticGit({ before, after });

const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('MapReduce', () => {
  it('runs every item in its own worktree with at most max_parallel at once, merges their work, and leaves nothing behind', async (t) => {
    const e = engineEnv(t);
    const spans = path.join(e.root, 'spans.txt');
    const items = Array.from({ length: 6 }, (_, i) => ({ name: `n${i}` }));
    const out = await e.runText(
      mapReduceJob({
        items,
        parallel: 3,
        agent: `    - shell: "echo start $(date +%s%N) >> ${spans}; sleep 0.4; echo end $(date +%s%N) >> ${spans}; echo \${item.name} > \${item.name}.txt; pwd > \${item.name}.where"`,
      }),
      { merge: 'always' },
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    // Concurrency from the recorded spans.
    const events = lines(spans)
      .map((l) => l.split(' '))
      .map(([k, ts]) => [k, BigInt(ts)])
      .sort((a, b) => (a[1] < b[1] ? -1 : 1));
    let running = 0;
    let peak = 0;
    for (const [k] of events) {
      running += k === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    assert.equal(events.length, 12);
    assert.equal(peak, 3, 'bounded by max_parallel, and reaching it');
    for (const { name } of items) {
      assert.equal(readIn(e.repo, `${name}.txt`), `${name}\n`, 'agent work merged into the session and back to main');
      assert.match(readIn(e.repo, `${name}.where`), /mapreduce-agent-/, 'each agent ran in its own worktree');
    }
    const wtRoot = path.join(e.home, 'worktrees', out.sessionId);
    assert.deepEqual(fs.existsSync(wtRoot) ? fs.readdirSync(wtRoot) : [], [], 'agent worktrees removed');
    assert.equal(git(e.repo, 'branch', '--list', 'prodigy-mapreduce-agent-*'), '', 'agent branches removed');
  });

  it("the session is typed MapReduce with its mapreduce_data; job state and DLQ in Prodigy's layout", async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      mapReduceJob({
        items: [{ name: 'ok' }, { name: 'bad' }],
        agent: '    - shell: "test ${item.name} = ok && echo done > ${item.name}.txt"',
      }),
    );
    assert.equal(out.status, 'Completed');
    const rec = core.UnifiedSession.parse(e.record(out.sessionId));
    assert.equal(rec.session_type, 'MapReduce');
    assert.equal(rec.workflow_data, null);
    const m = rec.mapreduce_data;
    // Prodigy's mapreduce-YYYYMMDD_HHMMSS, then 8 characters of the session id (unique per session, b01).
    assert.match(m.job_id, /^mapreduce-\d{8}_\d{6}-[0-9a-f]{8}$/);
    assert.ok(rec.id.startsWith(`session-${m.job_id.slice(-8)}`), `${m.job_id} names ${rec.id}`);
    assert.deepEqual(
      [m.total_items, m.processed_items, m.failed_items, m.agent_count, m.phase],
      [2, 2, 1, 0, 'Complete'],
    );
    assert.deepEqual(
      rec.checkpoints.map((c) => c.metadata.label),
      ['setup completed', 'map completed', 'job completed'],
      'checkpoints at the phase boundaries',
    );
    const jobDir = path.join(e.home, 'state', out.sessionId, 'mapreduce', 'jobs', m.job_id);
    const meta = JSON.parse(fs.readFileSync(path.join(jobDir, 'metadata.json'), 'utf8'));
    const state = JSON.parse(fs.readFileSync(meta.path, 'utf8'));
    assert.equal(state.job_id, m.job_id);
    assert.deepEqual(state.completed_agents.sort(), ['item_0', 'item_1']);
    assert.equal(state.agent_results.item_0.status, 'Success');
    assert.match(state.agent_results.item_1.status.Failed, /exit code 1/);
    assert.equal(state.is_complete, true);
    const dlqItem = JSON.parse(
      fs.readFileSync(
        path.join(e.home, 'dlq', out.sessionId, m.job_id, 'mapreduce', 'dlq', m.job_id, 'items', 'item_1.json'),
        'utf8',
      ),
    );
    assert.deepEqual(Object.keys(dlqItem), [
      'item_id',
      'item_data',
      'first_attempt',
      'last_attempt',
      'failure_count',
      'failure_history',
      'error_signature',
      'worktree_artifacts',
      'reprocess_eligible',
      'manual_review_required',
    ]);
    assert.deepEqual(dlqItem.item_data, { name: 'bad' });
    // A command that exited non-zero, typed as Prodigy types it (formats §9.3 FailureDetail.error_type).
    assert.deepEqual(dlqItem.failure_history[0].error_type, { CommandFailed: { exit_code: 1 } });
    // FailureDetail in Prodigy's field order (formats §9.3).
    assert.deepEqual(Object.keys(dlqItem.failure_history[0]), [
      'attempt_number',
      'timestamp',
      'error_type',
      'error_message',
      'stack_trace',
      'agent_id',
      'step_failed',
      'duration_ms',
      'json_log_location',
    ]);
    assert.ok(fs.existsSync(dlqItem.failure_history[0].json_log_location), "the agent's log is kept");
  });

  it('failed items go to the DLQ; `dlq list` shows them; after the fix `dlq retry` runs only them', async (t) => {
    const e = engineEnv(t);
    const gate = path.join(e.root, 'fixed');
    const runs = path.join(e.root, 'runs.txt');
    const out = await e.runText(
      mapReduceJob({
        items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
        agent: `    - shell: "echo \${item.name} >> ${runs}; { test \${item.name} != b || test -f ${gate}; } && echo \${item.name} > \${item.name}.txt"`,
      }),
    );
    assert.equal(out.status, 'Completed');
    const listed = JSON.parse(spawnSyncCli(e, ['dlq', 'list', out.sessionId, '--json']).stdout);
    assert.deepEqual(
      listed.items.map((i) => i.item_id),
      ['item_1'],
    );
    fs.writeFileSync(gate, '');
    const retry = spawnSyncCli(e, ['dlq', 'retry', out.sessionId, '--json']);
    assert.equal(retry.status, 0, retry.stderr);
    assert.deepEqual(JSON.parse(retry.stdout).still_failing, []);
    assert.deepEqual(lines(runs).sort(), ['a', 'b', 'b', 'c'], 'only the failed item ran again');
    assert.equal(readIn(path.join(e.home, 'worktrees', 'repo', out.sessionId), 'b.txt'), 'b\n');
    assert.equal(e.record(out.sessionId).mapreduce_data.failed_items, 0);
  });

  it('a retry that makes items succeed says the reduce is stale; `reduce <id>` runs it again with every result', async (t) => {
    const e = engineEnv(t);
    const gate = path.join(e.root, 'fixed');
    const out = await e.runText(
      mapReduceJob({
        items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
        agent: `    - shell: "{ test \${item.name} != b || test -f ${gate}; } && echo \${item.name} > \${item.name}.txt"`,
        reduce: `  - shell: "echo \${map.successful} of \${map.total} > summary.txt && git add summary.txt && git commit -qm summary"`,
      }),
      { merge: 'never' },
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    const worktree = path.join(e.home, 'worktrees', 'repo', out.sessionId);
    assert.equal(readIn(worktree, 'summary.txt'), '2 of 3\n');
    fs.writeFileSync(gate, '');
    const retry = spawnSyncCli(e, ['dlq', 'retry', out.sessionId, '--json', '--yes']);
    assert.equal(retry.status, 0, retry.stderr);
    assert.equal(JSON.parse(retry.stdout).reduce_stale, true, 'b succeeded after the reduce ran');
    assert.equal(readIn(worktree, 'summary.txt'), '2 of 3\n', 'a retry alone does not run the reduce');
    const again = spawnSyncCli(e, ['reduce', out.sessionId, '--json', '--yes']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).status, 'Completed');
    assert.equal(readIn(worktree, 'summary.txt'), '3 of 3\n', 'the reduce saw every item');
    assert.equal(e.record(out.sessionId).status, 'Completed');
    // Nothing left to retry: a second retry has nothing stale to report.
    const none = spawnSyncCli(e, ['dlq', 'retry', out.sessionId, '--json', '--yes']);
    assert.equal(JSON.parse(none.stdout).reduce_stale, false);
  });

  it('`reduce <id>` refuses a job whose items have not all run, and a workflow without reduce steps', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      mapReduceJob({ items: [{ name: 'a' }], agent: '    - shell: "echo ${item.name} > ${item.name}.txt"' }),
      { merge: 'never' },
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    const r = spawnSyncCli(e, ['reduce', out.sessionId]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /has no reduce steps/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(e.record(out.sessionId).status, 'Completed', 'a refused reduce changes nothing');
  });

  it('`dlq retry --item` runs only the items named; an item not in the queue is refused', async (t) => {
    const e = engineEnv(t);
    const gate = path.join(e.root, 'fixed');
    const runs = path.join(e.root, 'runs.txt');
    const out = await e.runText(
      mapReduceJob({
        items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
        agent: `    - shell: "echo \${item.name} >> ${runs}; { test \${item.name} = a || test -f ${gate}; } && echo \${item.name} > \${item.name}.txt"`,
      }),
    );
    assert.equal(out.status, 'Completed');
    fs.writeFileSync(gate, '');
    const unknown = spawnSyncCli(e, ['dlq', 'retry', out.sessionId, '--item', 'item_0']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /Not in the dead-letter queue of .*: item_0/);
    const retry = spawnSyncCli(e, ['dlq', 'retry', out.sessionId, '--item', 'item_2', '--json']);
    assert.equal(retry.status, 1, 'item_1 still waits in the queue');
    assert.deepEqual(JSON.parse(retry.stdout).still_failing, ['item_1']);
    assert.deepEqual(lines(runs).sort(), ['a', 'b', 'c', 'c'], 'only item_2 ran again');
    assert.equal(e.record(out.sessionId).mapreduce_data.failed_items, 1);
    assert.equal(core.itemLabel('item_2', { n: 1, name: 'c' }), 'c (#3)');
    assert.equal(core.itemLabel('item_0', { n: 1, path: 'src/a.rs' }), 'src/a.rs (#1)');
    assert.equal(core.itemLabel('item_4', { n: 1 }), 'item #5');
  });

  it('a merge conflict between two agents fails only the later item; its work stays on its branch', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      mapReduceJob({
        items: [{ name: 'x' }, { name: 'y' }],
        parallel: 2,
        agent: '    - shell: "echo ${item.name} > shared.txt && git add shared.txt && git commit -qm ${item.name}"',
      }),
    );
    assert.equal(out.status, 'Completed', 'the job itself does not fail');
    const rec = e.record(out.sessionId);
    assert.equal(rec.mapreduce_data.failed_items, 1);
    const [failed] = await core.listDeadLetters(e.manager, out.sessionId);
    assert.equal(failed.failure_history[0].error_type, 'MergeConflict');
    const branch = failed.worktree_artifacts.branch_name;
    assert.match(
      git(e.repo, 'log', '-1', '--format=%s', branch),
      /^[xy]$/,
      "the losing agent's commit is kept on its branch",
    );
    const wt = path.join(e.home, 'worktrees', 'repo', out.sessionId);
    assert.equal(git(wt, 'status', '--porcelain'), '', 'the session worktree is clean (merge aborted)');
  });

  it('Ctrl-C in the map phase pauses; resume runs only the items not finished, then reduce', async (t) => {
    const e = engineEnv(t);
    const runs = path.join(e.root, 'runs.txt');
    const gate = path.join(e.root, 'go');
    const items = Array.from({ length: 5 }, (_, i) => ({ name: `i${i}` }));
    const wf = e.writeWorkflow(
      mapReduceJob({
        items,
        parallel: 1,
        agent: `    - shell: "echo \${item.name} >> ${runs}; test \${item.name} != i2 || while [ ! -f ${gate} ]; do sleep 0.05; done; echo \${item.name} > \${item.name}.txt"`,
        reduce: '  - shell: "echo ${map.successful}/${map.total} > reduce.txt"',
      }),
    );
    const child = spawn(process.execPath, [DIST_CLI, '--home', e.home, 'run', wf, '--path', e.repo], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    const exited = new Promise((r) => child.on('exit', (code) => r(code)));
    t.after(() => child.kill('SIGKILL'));
    while (!lines(runs).includes('i2')) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    const id = /^Session: (\S+)$/m.exec(stdout)[1];
    const paused = e.record(id);
    assert.equal(paused.status, 'Paused');
    assert.equal(paused.mapreduce_data.processed_items, 2);
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: id, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(
      lines(runs),
      ['i0', 'i1', 'i2', 'i2', 'i3', 'i4'],
      'finished items never ran twice; the interrupted one ran again',
    );
    const wt = path.join(e.home, 'worktrees', 'repo', id);
    assert.equal(readIn(wt, 'reduce.txt'), '5/5\n');
  });

  it('zero items: the job completes, reduce is skipped', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      mapReduceJob({ items: [], agent: '    - shell: "true"', reduce: '  - shell: "echo reduced > reduced.txt"' }),
    );
    assert.equal(out.status, 'Completed');
    assert.equal(fs.existsSync(path.join(e.home, 'worktrees', 'repo', out.sessionId, 'reduced.txt')), false);
    assert.match(fs.readFileSync(out.logFile, 'utf8'), /No work items to process/);
    assert.equal(e.record(out.sessionId).mapreduce_data.total_items, 0);
  });

  it('reduce sees map.total, map.successful, map.failed and map.results; filter, sort_by, offset and max_items pick the items', async (t) => {
    const e = engineEnv(t);
    const items = [
      { name: 'a', score: 1 },
      { name: 'b', score: 9 },
      { name: 'c', score: 5 },
      { name: 'd', score: 7 },
      { name: 'e', score: 8 },
    ];
    const out = await e.runText(
      mapReduceJob({
        items,
        parallel: 1,
        extraMap: '  filter: "score >= 5"\n  sort_by: "score DESC"\n  offset: 1\n  max_items: 2\n',
        agent: '    - shell: "echo ${item.name} > ${item_id}.txt && git add . && git commit -qm ${item_id}"',
        reduce:
          '  - shell: "echo \'${map.total} ${map.successful} ${map.failed} ${map.results[0].item_id} ${map.results[1].status}\' > reduce.txt"',
      }),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    const wt = path.join(e.home, 'worktrees', 'repo', out.sessionId);
    // score >= 5 → b9 e8 d7 c5; offset 1 → e d c; max_items 2 → e d
    assert.equal(readIn(wt, 'item_0.txt'), 'e\n');
    assert.equal(readIn(wt, 'item_1.txt'), 'd\n');
    assert.equal(fs.existsSync(path.join(wt, 'item_2.txt')), false);
    assert.equal(readIn(wt, 'reduce.txt'), '2 2 0 item_0 Success\n');
  });
});

function spawnSyncCli(e, args) {
  return spawnSync(process.execPath, [DIST_CLI, '--home', e.home, ...args], { encoding: 'utf8', env: process.env });
}
