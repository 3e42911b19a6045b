// Prodigy's event log from real runs through the CLI (real git, real processes, the fake claude): what a standard
// run, a MapReduce run with a failing agent, a failed run and a dlq retry write to H/events/{repo}/{job}/, in
// Prodigy's shape (EventRecord lines, snake_case event_type, d_l_q_item_added, duration as [secs, nanos]); then
// `events ls`, `events follow` and `events export`, with files of other shapes read loosely and one-line errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as zlib from 'node:zlib';
import { DIST_CLI, core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv, fakeClaudeCliEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

function env(e, extra = {}) {
  // Item "b" fails until this file exists (the cause fixed before a dlq retry).
  return fakeClaudeCliEnv(e, { FIXED: path.join(e.root, 'fixed'), ...extra });
}

function cli(e, args) {
  const r = spawnSync(process.execPath, [DIST_CLI, '--home', e.home, ...args], {
    encoding: 'utf8',
    env: env(e),
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function run(e, text) {
  const r = cli(e, ['run', e.writeWorkflow(text), '-p', e.repo, '-y']);
  const id = /^Session: (\S+)$/m.exec(r.stdout)?.[1];
  return { ...r, id };
}

/** The event files of one job folder, and their records in order. */
function eventsOf(e, job) {
  const dir = path.join(e.home, 'events', 'repo', job);
  const files = fs.readdirSync(dir).sort();
  for (const f of files) assert.match(f, /^events-\d{8}_\d{6}\.jsonl$/);
  const text = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
  assert.ok(text.endsWith('\n'), 'every line ends with its newline');
  return {
    dir,
    files,
    records: text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

function checkRecord(r, correlation) {
  assert.deepEqual(Object.keys(r), ['id', 'timestamp', 'correlation_id', 'event', 'metadata']);
  assert.match(r.id, UUID);
  assert.match(r.timestamp, TIME);
  assert.equal(r.correlation_id, correlation);
  assert.equal(Object.keys(r.event)[0], 'event_type', 'internally tagged: event_type first');
  assert.match(r.event.event_type, /^[a-z]+(_[a-z]+)*$/, 'snake_case');
  for (const k of Object.keys(r.event)) assert.match(k, /^[a-z_]+$/, `snake_case field ${k}`);
  assert.equal(typeof r.metadata.host, 'string');
  assert.equal(r.metadata.pid > 0, true);
}

function checkDuration(d) {
  assert.ok(Array.isArray(d) && d.length === 2, `duration is [secs, nanos]: ${JSON.stringify(d)}`);
  assert.ok(Number.isInteger(d[0]) && d[0] >= 0);
  assert.ok(Number.isInteger(d[1]) && d[1] >= 0 && d[1] < 1e9);
}

const MAPREDUCE = `name: mr
mode: mapreduce
setup:
  - shell: "printf '[{\\"id\\":\\"a\\"},{\\"id\\":\\"b\\"}]' > items.json"
map:
  input: items.json
  json_path: "$[*]"
  max_parallel: 1
  agent_template:
    - claude: "/cost 0.05 working on \${item.id}"
    - shell: 'test \${item.id} = a || test -f "$FIXED"'
`;

describe('events written by runs', () => {
  it('a standard run: job started, a checkpoint per step, Claude usage, job completed; in H/events/repo/<session id>', (t) => {
    const e = engineEnv(t);
    const r = run(e, '- shell: "echo hi > a.txt"\n- claude: "/cost 0.25 hello"\n');
    assert.equal(r.code, 0, r.stderr);
    const { records } = eventsOf(e, r.id);
    assert.deepEqual(
      records.map((x) => x.event.event_type),
      ['job_started', 'checkpoint_created', 'claude_token_usage', 'checkpoint_created', 'job_completed'],
    );
    for (const x of records) checkRecord(x, r.id);
    const [started, cp1, usage, cp2, done] = records.map((x) => x.event);
    assert.equal(started.job_id, r.id);
    assert.equal(started.total_items, 2);
    assert.equal(started.config.continue_on_failure, false, "Prodigy's MapReduceConfig keys are all there");
    assert.deepEqual([cp1.version, cp2.version], [1, 2]);
    assert.match(cp1.checkpoint_id, /^checkpoint-/);
    assert.equal(usage.agent_id, 'agent-default');
    assert.equal(usage.input_tokens, 100);
    assert.equal(usage.output_tokens, 20);
    assert.equal(typeof usage.cache_tokens, 'number');
    assert.equal(usage.cost_usd, 0.25);
    checkDuration(done.duration);
    assert.deepEqual([done.success_count, done.failure_count], [2, 0]);
  });

  it('a failed run ends with job_failed naming the error', (t) => {
    const e = engineEnv(t);
    const r = run(e, '- shell: "exit 3"\n');
    assert.equal(r.code, 1);
    const { records } = eventsOf(e, r.id);
    assert.deepEqual(
      records.map((x) => x.event.event_type),
      ['job_started', 'job_failed'],
    );
    assert.match(records[1].event.error, /exit code 3/);
    assert.equal(records[1].event.partial_results, 0);
  });

  it('an events write that fails never fails the run: noted once in the session log, and nothing more', (t) => {
    const e = engineEnv(t);
    fs.writeFileSync(path.join(e.home, 'events'), 'a file where the folder should be');
    const r = run(e, '- shell: "echo one"\n- shell: "echo two"\n');
    assert.equal(r.code, 0, r.stderr);
    const log = fs.readFileSync(path.join(e.home, 'vscode', 'logs', `${r.id}.log`), 'utf8');
    assert.equal(log.split('Events are not being written').length - 1, 1, log);
    assert.match(log, /Events are not being written \(ENOTDIR: .*\); the run goes on without them/);
    assert.match(log, /Session workflow-\d+ completed/);
  });

  it('a MapReduce run with a failing agent: agent_failed then d_l_q_item_added; dlq retry appends job_resumed … d_l_q_items_reprocessed', (t) => {
    const e = engineEnv(t);
    const r = run(e, MAPREDUCE);
    assert.equal(r.code, 0, r.stderr);
    const session = JSON.parse(fs.readFileSync(path.join(e.home, 'sessions', `${r.id}.json`), 'utf8'));
    const job = session.mapreduce_data.job_id;
    const { records } = eventsOf(e, job);
    for (const x of records) checkRecord(x, r.id);
    const types = records.map((x) => x.event.event_type);
    // The job's frame is fixed; an agent's merge runs off its slot, so the next agent may start before it ends.
    assert.deepEqual(types.slice(0, 2), ['job_started', 'checkpoint_created']);
    assert.deepEqual(types.slice(-3), ['checkpoint_created', 'checkpoint_created', 'job_completed']);
    const ofItem = (item) =>
      records
        .filter((x) => x.event.item_id === item)
        .map((x) => x.event.event_type)
        .join(' ');
    assert.equal(ofItem('item_0'), 'agent_started claude_token_usage agent_completed');
    assert.equal(ofItem('item_1'), 'agent_started claude_token_usage agent_failed d_l_q_item_added');
    assert.equal(records.length, 2 + 3 + 4 + 3);
    const ev = (type, i = 0) => records.filter((x) => x.event.event_type === type)[i].event;
    assert.equal(ev('job_started').config.input, 'items.json');
    assert.equal(ev('job_started').total_items, 2, 'the items setup made, counted');
    assert.ok(records[0].timestamp <= records[1].timestamp, 'the held setup lines keep their order and times');
    assert.equal(ev('agent_started').item_id, 'item_0');
    assert.equal(ev('agent_started').attempt, 1);
    assert.match(ev('agent_started').worktree, /mapreduce-agent-.*_slot0$/);
    assert.equal(ev('agent_completed').agent_id, ev('agent_started').agent_id);
    checkDuration(ev('agent_completed').duration);
    assert.ok(Array.isArray(ev('agent_completed').commits));
    assert.equal(ev('claude_token_usage', 1).agent_id, ev('agent_started', 1).agent_id);
    assert.equal(ev('agent_failed').item_id, 'item_1');
    assert.equal(ev('agent_failed').retry_eligible, false);
    assert.match(ev('agent_failed').error, /exit code 1/);
    const dlq = ev('d_l_q_item_added');
    assert.deepEqual(Object.keys(dlq), ['event_type', 'job_id', 'item_id', 'error_signature', 'failure_count']);
    assert.deepEqual([dlq.job_id, dlq.item_id, dlq.failure_count], [job, 'item_1', 1]);
    assert.match(dlq.error_signature, /^[0-9a-f]{16}$/);
    assert.equal(ev('checkpoint_created', 2).label, 'job completed');
    assert.deepEqual([ev('job_completed').success_count, ev('job_completed').failure_count], [1, 1]);

    fs.writeFileSync(path.join(e.root, 'fixed'), '');
    const retry = cli(e, ['dlq', 'retry', r.id, '-y']);
    assert.equal(retry.code, 0, retry.stderr);
    const after = eventsOf(e, job).records.slice(records.length);
    assert.deepEqual(
      after.map((x) => x.event.event_type),
      [
        'job_resumed',
        'agent_started',
        'claude_token_usage',
        'agent_completed',
        'd_l_q_items_reprocessed',
        'job_completed',
      ],
    );
    assert.equal(after[0].event.pending_items, 0);
    assert.deepEqual(after[4].event, { event_type: 'd_l_q_items_reprocessed', job_id: job, count: 1 });
    for (const x of after) checkRecord(x, r.id);
  });
});

describe('events ls, follow, export', () => {
  /** One home with a standard run and a MapReduce run with a failed item. */
  function twoRuns(t) {
    const e = engineEnv(t);
    const std = run(e, '- shell: "echo hi"\n- claude: "/cost 0.25 hello"\n');
    assert.equal(std.code, 0, std.stderr);
    const mr = run(e, MAPREDUCE);
    assert.equal(mr.code, 0, mr.stderr);
    const job = JSON.parse(fs.readFileSync(path.join(e.home, 'sessions', `${mr.id}.json`), 'utf8')).mapreduce_data
      .job_id;
    return { e, std: std.id, mr: mr.id, job };
  }

  it('ls: one line per event; filters; --json; a session id finds its job; bad input is one line', (t) => {
    const { e, std, mr, job } = twoRuns(t);
    const all = cli(e, ['events', 'ls']);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5 + 12);
    assert.match(lines[0], new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  job_started +${std}  -`));
    assert.ok(
      lines.some((l) =>
        /^\S+ \S+ {2}agent_failed +mapreduce-\S+ {2}agent_1 item_1 {2}Step 'shell: .*' failed with exit code 1$/.test(
          l,
        ),
      ),
      all.stdout,
    );
    assert.ok(lines.some((l) => /claude_token_usage .* in 100 · out 20 · cache \d+ · \$0\.25$/.test(l)));
    assert.ok(lines.some((l) => /job_completed +mapreduce-\S+ {2}- {2}\d+\.\ds · 1 ok · 1 failed$/.test(l)));

    const failed = cli(e, ['events', 'ls', '--event-type', 'AgentFailed']);
    assert.equal(failed.stdout.trimEnd().split('\n').length, 1, failed.stdout);
    const dlq = cli(e, ['events', 'ls', '--type', 'dlq_item_added', '--job-id', mr]);
    assert.match(dlq.stdout, new RegExp(`^\\S+ \\S+  d_l_q_item_added +${job}  item_1  failures 1 · signature`));

    const json = JSON.parse(cli(e, ['events', 'ls', '--job-id', std, '--json']).stdout);
    assert.equal(json.total, 5);
    assert.equal(json.unreadable_lines, 0);
    assert.equal(json.events[4].event.event_type, 'job_completed');
    assert.equal(JSON.parse(cli(e, ['events', 'ls', '--limit', '2', '--json']).stdout).events.length, 2);
    assert.match(cli(e, ['events', 'ls', '--limit', '2']).stdout, /the last 2 of 17 events/);

    assert.equal(JSON.parse(cli(e, ['events', 'ls', '--since', '1h', '--json']).stdout).total, 17);
    assert.equal(JSON.parse(cli(e, ['events', 'ls', '--since', '30', '--json']).stdout).total, 17);
    const future = cli(e, ['events', 'ls', '--since', '2999-01-01T00:00:00Z']);
    assert.match(future.stdout, /^No events match/);

    const unknown = cli(e, ['events', 'ls', '--job-id', 'mapreduce-nope']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^prodigy-vscode: No events for job mapreduce-nope \(nothing in .*events\/\*\/mapreduce-nope\)/,
    );
    assert.equal(unknown.stderr.trimEnd().split('\n').length, 1);
    const badSince = cli(e, ['events', 'ls', '--since', 'yesterday']);
    assert.equal(badSince.code, 2);
    assert.match(badSince.stderr, /--since needs a time back from now such as 30m/);
    const badType = cli(e, ['events', 'ls', '--type', 'agent_exploded']);
    assert.equal(badType.code, 2);
    assert.match(badType.stderr, /--type agent_exploded is not an event type; one of: job_started/);
    const badId = cli(e, ['events', 'ls', '--job-id', '../x']);
    assert.equal(badId.code, 2);
  });

  it("ls reads other tools' lines loosely: skipped and counted, a torn last line too", (t) => {
    const e = engineEnv(t);
    const dir = path.join(e.home, 'events', 'other', 'session-x');
    fs.mkdirSync(dir, { recursive: true });
    const good = {
      id: '6f1c2b1e-0000-4000-8000-000000000000',
      timestamp: '2025-01-15T10:30:00.125Z',
      correlation_id: 'c',
      event: { event_type: 'claude_message', agent_id: 'agent-default', content: 'hi', message_type: 'text' },
    };
    fs.writeFileSync(
      path.join(dir, 'events-20250115_103000.jsonl'),
      `${JSON.stringify(good)}\nnot json at all\n\n{"event":{"no":"type"}}\n{"id":"torn","timestamp":"2025`,
    );
    const r = cli(e, ['events', 'ls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /claude_message +session-x {2}agent-default {2}content hi · message_type text$/m);
    assert.equal(
      r.stderr.trim(),
      "3 lines could not be read (not an event record: another tool's or cut short); skipped",
    );
    const json = JSON.parse(cli(e, ['events', 'ls', '--json']).stdout);
    assert.equal(json.unreadable_lines, 3);
    const empty = engineEnv(t);
    assert.match(cli(empty, ['events', 'ls']).stdout, /^No events yet: runs write them to .*events as they go\.$/m);
  });

  it('export: json (default), jsonl, csv and markdown; to a file atomically; a folder is refused', (t) => {
    const { e, std } = twoRuns(t);
    const json = cli(e, ['events', 'export', '--job-id', std]);
    assert.equal(json.code, 0, json.stderr);
    const records = JSON.parse(json.stdout);
    assert.equal(records.length, 5);
    assert.equal(records[0].event.event_type, 'job_started');

    const out = path.join(e.root, 'out.jsonl');
    const jsonl = cli(e, ['events', 'export', '--type', 'claude_token_usage', '--output', out]);
    assert.equal(jsonl.code, 0, jsonl.stderr);
    assert.match(jsonl.stderr, /^Wrote 3 events to .*out\.jsonl \(jsonl\)$/m);
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => JSON.parse(l).event.event_type === 'claude_token_usage'));

    const csv = cli(e, ['events', 'export', '--job-id', std, '--format', 'csv']).stdout.split('\n');
    assert.equal(csv[0], 'timestamp,event_type,job_id,agent_id,item_id,details');
    assert.match(csv[1], new RegExp(`^\\S+Z,job_started,${std},,,"\\{""config""`));
    const md = cli(e, ['events', 'export', '--job-id', std, '--format', 'markdown']).stdout.trimEnd().split('\n');
    assert.equal(md[0], '| timestamp | event_type | job_id | agent_id | item_id | details |');
    assert.equal(md.length, 2 + 5);

    const bad = cli(e, ['events', 'export', '--format', 'yaml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format needs json, jsonl, csv, markdown, not "yaml"/);
    const folder = cli(e, ['events', 'export', '--output', e.root]);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /--output .* is a folder; name a file/);
  });

  it('stats counts by type, job or agent; search finds records by a regular expression, in the whole record or some fields', (t) => {
    const { e, std, job } = twoRuns(t);
    const stats = JSON.parse(cli(e, ['events', 'stats', '--json']).stdout);
    assert.equal(stats.group_by, 'event_type');
    assert.equal(stats.total, 17);
    const byType = Object.fromEntries(stats.groups.map((g) => [g.event_type, g.count]));
    assert.equal(byType.job_started, 2);
    assert.equal(byType.agent_failed, 1);
    assert.equal(byType.claude_token_usage, 3);
    assert.equal(
      stats.groups.reduce((n, g) => n + g.count, 0),
      17,
    );
    assert.ok(
      stats.groups.every((g, i) => i === 0 || stats.groups[i - 1].count >= g.count),
      'most first',
    );
    const byJob = JSON.parse(cli(e, ['events', 'stats', '--group-by', 'job_id', '--json']).stdout);
    assert.deepEqual(
      byJob.groups.map((g) => [g.job_id, g.count]).sort(),
      [
        [job, 12],
        [std, 5],
      ].sort(),
    );
    const text = cli(e, ['events', 'stats', '--group-by', 'agent-id']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^AGENT_ID +EVENTS +FIRST +LAST\n/);
    assert.match(text.stdout, /\n17 events in 2 events files\n$/);
    const bad = cli(e, ['events', 'stats', '--group-by', 'color']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--group-by needs event_type, job_id, agent_id/);

    const hits = JSON.parse(cli(e, ['events', 'search', '"cost_usd":0\\.25|exit code 1', '--json']).stdout);
    assert.deepEqual(hits.events.map((r) => r.event.event_type).sort(), ['agent_failed', 'claude_token_usage']);
    const inError = cli(e, ['events', 'search', 'EXIT CODE', '--fields', 'error']);
    assert.equal(inError.code, 0, inError.stderr);
    assert.equal(inError.stdout.trimEnd().split('\n').length, 1, inError.stdout);
    assert.match(inError.stdout, /agent_failed .* failed with exit code 1\n$/);
    const bySession = JSON.parse(cli(e, ['events', 'search', std, '--json']).stdout);
    assert.equal(bySession.total, 5, "a session's correlation id finds its events");
    const none = cli(e, ['events', 'search', 'no such thing here']);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^No event matches \/no such thing here\/i \(17 events searched\)\./);
    const notRe = cli(e, ['events', 'search', '(']);
    assert.equal(notRe.code, 2);
    assert.equal(notRe.stderr.trim().split('\n').length, 1);
    assert.match(notRe.stderr, /<pattern> is not a regular expression/);
  });

  it('follow: prints what is there, then lines as they are appended (a torn one once whole); Ctrl-C ends it', async (t) => {
    const { e, std } = twoRuns(t);
    const file = path.join(e.home, 'events', 'repo', std, fs.readdirSync(path.join(e.home, 'events', 'repo', std))[0]);
    const child = spawn(process.execPath, [DIST_CLI, '--home', e.home, 'events', 'follow', '--job-id', std], {
      env: env(e),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const until = async (test, what) => {
      for (let i = 0; i < 150 && !test(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(test(), `${what}\nstdout: ${out}\nstderr: ${err}`);
    };
    t.after(() => child.kill('SIGKILL'));
    await until(() => out.split('\n').filter(Boolean).length === 5, 'the five events there are');
    assert.match(err, /^Following the events of job workflow-\d+ in .* \(Ctrl-C stops\)$/m);
    const record = {
      id: '6f1c2b1e-0000-4000-8000-000000000001',
      timestamp: new Date().toISOString(),
      correlation_id: std,
      event: { event_type: 'job_paused', job_id: std, checkpoint_version: 7 },
    };
    const line = JSON.stringify(record);
    fs.appendFileSync(file, line.slice(0, 30));
    await new Promise((r) => setTimeout(r, 600));
    assert.doesNotMatch(out, /job_paused/, 'a line without its newline is held back');
    fs.appendFileSync(file, `${line.slice(30)}\n`);
    await until(() => /job_paused +workflow-\d+ {2}- {2}checkpoint 7$/m.test(out), 'the appended event');
    child.kill('SIGINT');
    const { code } = await exited;
    assert.equal(code, 0);
    assert.equal(err.includes('could not be read'), false, err);

    const unknown = cli(e, ['events', 'follow', '--job-id', 'mapreduce-nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^prodigy-vscode: No events for job mapreduce-nope/);
  });
});

describe('events rotation', () => {
  it("a full file is rotated as Prodigy's writer does (….{stamp}.jsonl.gz, plain text); events ls reads every piece, a gzipped one too", async (t) => {
    const e = engineEnv(t);
    const s = await e.manager.createSession({ type: 'Workflow', workflowName: 'rotating', totalSteps: 40 });
    // Rotated at 1,500 bytes instead of 100 MB: a few checkpoint lines per file.
    const log = new core.EventLog(e.manager, s.id, 1500);
    await log.start();
    const listener = log.tee(undefined);
    listener({
      type: 'session-created',
      sessionId: s.id,
      workflowName: 'rotating',
      workflowPath: 'x.yml',
      totalSteps: 40,
      worktree: null,
    });
    for (let i = 0; i < 40; i++)
      listener({
        type: 'step-finished',
        sessionId: s.id,
        index: i,
        total: 40,
        display: `step ${i}`,
        success: true,
        durationMs: 1,
        checkpointId: `cp-${i}`,
      });
    listener({ type: 'session-finished', sessionId: s.id, status: 'Completed', error: null });
    log.close();
    // A session that names no repository is filed under 'unknown'.
    const dir = path.join(e.home, 'events', 'unknown', s.id);
    const names = fs.readdirSync(dir).sort();
    const current = names.filter((n) => /^events-\d{8}_\d{6}\.jsonl$/.test(n));
    const rotated = names.filter((n) => /^events-\d{8}_\d{6}\.\d{8}_\d{6}\.jsonl\.gz$/.test(n));
    assert.equal(current.length, 1, names.join(' '));
    assert.ok(rotated.length >= 3, names.join(' '));
    assert.equal(current.length + rotated.length, names.length);
    for (const n of names) {
      const text = fs.readFileSync(path.join(dir, n), 'utf8');
      assert.ok(
        Buffer.byteLength(text) <= 1500 || text.trimEnd().split('\n').length === 1,
        `${n} stays under the size`,
      );
      for (const line of text.trimEnd().split('\n')) JSON.parse(line);
    }
    // One piece compressed for real (as a user's logrotate would): still read.
    const gz = path.join(dir, rotated[0]);
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(gz)));
    const ls = cli(e, ['events', 'ls', '--job-id', s.id, '--json', '--limit', '1000']);
    assert.equal(ls.code, 0, ls.stderr);
    const types = JSON.parse(ls.stdout).events.map((x) => x.event.event_type);
    assert.equal(types.length, 42, ls.stdout.slice(0, 400));
    assert.deepEqual([types[0], types[41]], ['job_started', 'job_completed']);
    assert.equal(types.filter((x) => x === 'checkpoint_created').length, 40);
  });
});
