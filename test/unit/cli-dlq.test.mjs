// `dlq list|analyze|retry|export|clear|purge|stats` with Prodigy's flags (--job-id, --filter, --parallel, --max-retries,
// --older-than, --format, --output), on a real MapReduce run (real git, real processes) in a temp home whose agents
// fail for two of three items; and the one-line errors of bad input.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

// Items ok (priority 1), bad (priority 5) and worse (priority 9): the agent fails for every item but ok.
const WORKFLOW = `name: two-fail
mode: mapreduce
setup:
  - shell: "printf '%s' '{\\"items\\": [{\\"name\\": \\"ok\\", \\"priority\\": 1}, {\\"name\\": \\"bad\\", \\"priority\\": 5}, {\\"name\\": \\"worse\\", \\"priority\\": 9}]}' > items.json && git add items.json && git commit -qm items"
map:
  input: items.json
  json_path: "$.items[*]"
  max_parallel: 3
  agent_template:
    - shell: "test \${item.name} = ok && echo done > \${item.name}.txt"
`;

function cli(args) {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: 'utf8', env: process.env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, no stack trace. */
function oneLine(r, code) {
  assert.equal(r.code, code, r.stdout + r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

/** A completed MapReduce session with item_1 and item_2 in its dead-letter queue. */
function failedJob(e) {
  const r = cli(['--home', e.home, 'run', e.writeWorkflow(WORKFLOW), '--path', e.repo, '--json']);
  const json = JSON.parse(r.stdout);
  assert.equal(json.status, 'Completed', r.stderr);
  const id = json.session_id;
  const jobId = e.record(id).mapreduce_data.job_id;
  return { id, jobId, home: ['--home', e.home] };
}

const ids = (items) => items.map((i) => i.item_id);

describe('dlq list / retry with Prodigy flags', () => {
  it('--filter on the item input, attempts and error; --job-id names the session; no id lists every session', (t) => {
    const e = engineEnv(t);
    const { id, jobId, home } = failedJob(e);
    const list = (...args) => JSON.parse(cli([...home, 'dlq', 'list', ...args, '--json']).stdout);
    assert.deepEqual(ids(list(id).items), ['item_1', 'item_2']);
    assert.deepEqual(ids(list(id, '--filter', 'item.priority >= 7').items), ['item_2']);
    assert.deepEqual(ids(list('--job-id', jobId, '--filter', 'item.name == "bad" && attempts == 1').items), ['item_1']);
    assert.deepEqual(ids(list(id, '--filter', 'error_type == "Timeout"').items), []);
    assert.equal(list('--job-id', jobId).session_id, id);
    const all = list();
    assert.deepEqual(
      all.jobs.map((j) => [j.session_id, j.job_id, ids(j.items)]),
      [[id, jobId, ['item_1', 'item_2']]],
    );
    const text = cli([...home, 'dlq', 'list', '--filter', 'item.priority >= 7']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^SESSION\s+ITEM\s+ATTEMPTS/);
    assert.match(text.stdout, new RegExp(`\\n${id}\\s+item_2\\s+1\\s`));
    assert.doesNotMatch(text.stdout, /item_1/);

    const bad = cli([...home, 'dlq', 'list', id, '--filter', 'attempts >']);
    oneLine(bad, 2);
    assert.match(
      bad.stderr,
      /^prodigy-vscode dlq list: --filter needs a filter expression .*at column 11.*, not "attempts >"/,
    );
    const unknownJob = cli([...home, 'dlq', 'list', '--job-id', 'mapreduce-404']);
    oneLine(unknownJob, 1);
    assert.match(unknownJob.stderr, /No MapReduce job or session mapreduce-404/);
    const two = cli([...home, 'dlq', 'list', 'workflow-1', '--job-id', jobId]);
    oneLine(two, 2);
    assert.match(two.stderr, /name different sessions/);
  });

  it('retry --filter --parallel 1 --max-retries 2 runs only the matching item, twice; a filter matching none is refused', (t) => {
    const e = engineEnv(t);
    const { id, jobId, home } = failedJob(e);
    const r = cli([
      ...home,
      'dlq',
      'retry',
      '--job-id',
      jobId,
      '--filter',
      'item.priority >= 7',
      '--parallel',
      '1',
      '--max-retries',
      '2',
      '-y',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /1 item still failing; running it again \(round 2 of 2\)/);
    const items = JSON.parse(cli([...home, 'dlq', 'list', id, '--json']).stdout).items;
    assert.deepEqual(
      items.map((i) => [i.item_id, i.failure_count]),
      [
        ['item_1', 1],
        ['item_2', 3],
      ],
    );
    const none = cli([...home, 'dlq', 'retry', id, '--filter', 'item.priority > 100']);
    oneLine(none, 1);
    assert.match(none.stderr, /No failed item of .* matches --filter item\.priority > 100/);
    const zero = cli([...home, 'dlq', 'retry', id, '--max-retries', '0']);
    oneLine(zero, 2);
    const noId = cli([...home, 'dlq', 'retry']);
    oneLine(noId, 2);
    assert.match(noId.stderr, /missing <session-id> \(or --job-id J\)/);
  });
});

describe('dlq export / stats / purge', () => {
  it("export: JSON on stdout, CSV to --output (atomically), Prodigy's `export FILE --job-id J`; a bad --format", (t) => {
    const e = engineEnv(t);
    const { id, jobId, home } = failedJob(e);
    const json = cli([...home, 'dlq', 'export', id, '--filter', 'item.name == "worse"']);
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout);
    assert.deepEqual(
      rows.map((r) => [r.session_id, r.job_id, r.item_id, r.item_data.name]),
      [[id, jobId, 'item_2', 'worse']],
    );
    assert.equal(rows[0].failure_history.length, 1);
    const byJob = cli([...home, 'dlq', 'export', jobId, '--filter', 'item.name == "worse"']);
    assert.equal(byJob.stdout, json.stdout, 'a job id names its session');

    const csvFile = path.join(e.root, 'dlq.csv');
    const csv = cli([...home, 'dlq', 'export', id, '--output', csvFile, '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout, `Wrote 2 items as CSV to ${csvFile}\n`);
    const lines = fs.readFileSync(csvFile, 'utf8').split('\r\n');
    assert.equal(lines[0].split(',').slice(0, 4).join(','), 'session_id,job_id,item_id,failure_count');
    assert.equal(lines.length, 4, 'header, two rows, a final line end');
    assert.ok(lines[1].startsWith(`${id},${jobId},item_1,1,`), lines[1]);
    assert.ok(lines[1].endsWith(',"{""name"":""bad"",""priority"":5}"'), lines[1]);
    assert.match(
      lines[1],
      // No comma or quote in it: unquoted, as RFC 4180 allows.
      /,Step 'shell: test \$\{item\.name\} = ok && echo done > \$\{item\.name\}\.txt' failed with exit code 1,/,
    );

    const prodigyForm = path.join(e.root, 'items.csv');
    const p = cli([...home, 'dlq', 'export', prodigyForm, '--job-id', jobId]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(fs.readFileSync(prodigyForm, 'utf8').split('\r\n')[0], lines[0], 'CSV from the .csv extension');

    const bad = cli([...home, 'dlq', 'export', id, '--format', 'xml']);
    oneLine(bad, 2);
    assert.match(bad.stderr, /--format needs json or csv, not "xml"/);
  });

  it('stats: by error type and attempts, eligible, oldest/newest; every job without an id; a non-MapReduce session is one line', (t) => {
    const e = engineEnv(t);
    const { id, jobId, home } = failedJob(e);
    const one = JSON.parse(cli([...home, 'dlq', 'stats', id, '--json']).stdout);
    assert.equal(one.session_id, id);
    assert.equal(one.job_id, jobId);
    assert.equal(one.total, 2);
    assert.deepEqual(one.by_attempts, { 1: 2 });
    assert.equal(
      Object.values(one.by_error_type).reduce((a, b) => a + b, 0),
      2,
    );
    assert.equal(one.reprocess_eligible, 2);
    assert.ok(Date.parse(one.oldest) <= Date.parse(one.newest));
    const all = JSON.parse(cli([...home, 'dlq', 'stats', '--json']).stdout);
    assert.deepEqual(
      all.jobs.map((j) => j.session_id),
      [id],
    );
    assert.equal(all.total.total, 2);
    const text = cli([...home, 'dlq', 'stats', '--workflow-id', id]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(
        `^Session ${id} \\(job ${jobId}\\): 2 failed items\\n  By error type: \\w+ 2\\n  By attempts:   1× 2\\n`,
      ),
    );

    const wf = cli([
      ...home,
      'run',
      e.writeWorkflow('name: plain\ncommands:\n  - shell: "true"\n'),
      '--path',
      e.repo,
      '--json',
      '--no-worktree',
    ]);
    const plain = JSON.parse(wf.stdout).session_id;
    const r = cli([...home, 'dlq', 'stats', plain]);
    oneLine(r, 1);
    assert.match(r.stderr, /is not a MapReduce run/);
  });

  it('purge: --dry-run lists, no terminal refuses without -f, -f removes through the index; --older-than keeps fresh items', (t) => {
    const e = engineEnv(t);
    const { id, home } = failedJob(e);
    const dlqDir = path.dirname(e.record(id).metadata.dlq_dir + '/x');
    const indexOf = () => JSON.parse(fs.readFileSync(path.join(dlqDir, 'index.json'), 'utf8'));

    const fresh = cli([...home, 'dlq', 'purge', id, '--older-than', '1h', '-f']);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(fresh.stdout, 'No failed item last tried more than 1h ago to purge.\n');

    const dry = cli([...home, 'dlq', 'purge', id, '--filter', 'item.priority >= 7', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      new RegExp(
        `^Would remove ${id} item_2 \\(1 attempt, last just now\\)\\nWould remove 1 item\\. Dry run: nothing was removed\\.\\n$`,
      ),
    );
    assert.deepEqual(indexOf().item_ids, ['item_1', 'item_2']);

    const refused = cli([...home, 'dlq', 'purge', id]);
    oneLine(refused, 1);
    assert.match(refused.stderr, /not deleting without a terminal to ask on: pass -f/);
    assert.deepEqual(indexOf().item_ids, ['item_1', 'item_2']);

    const purge = cli([...home, 'dlq', 'purge', id, '--filter', 'item.priority >= 7', '-f', '--json']);
    assert.equal(purge.code, 0, purge.stderr);
    assert.deepEqual(JSON.parse(purge.stdout), { dry_run: false, removed: [{ session_id: id, item_id: 'item_2' }] });
    assert.deepEqual(indexOf().item_ids, ['item_1']);
    assert.equal(indexOf().item_count, 1);
    assert.deepEqual(fs.readdirSync(path.join(dlqDir, 'items')), ['item_1.json']);

    oneLine(cli([...home, 'dlq', 'purge', id, '--older-than', 'soon']), 2);
    oneLine(cli([...home, 'dlq', 'purge', id, '--older-than', '1d', '--older-than-days', '2']), 2);
  });

  it("clear: one session's whole queue, asking first; --dry-run lists; no id is a usage error", (t) => {
    const e = engineEnv(t);
    const { id, jobId, home } = failedJob(e);
    const queued = () => ids(JSON.parse(cli([...home, 'dlq', 'list', id, '--json']).stdout).items);
    const noId = cli([...home, 'dlq', 'clear']);
    oneLine(noId, 2);
    assert.match(noId.stderr, /missing <session-id> \(or --job-id J\): clear empties one queue/);
    const dry = cli([...home, 'dlq', 'clear', id, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Would remove 2 items\. Dry run: nothing was removed\./);
    const refused = cli([...home, 'dlq', 'clear', id]);
    oneLine(refused, 1);
    assert.deepEqual(queued(), ['item_1', 'item_2']);
    const cleared = cli([...home, 'dlq', 'clear', '--job-id', jobId, '--yes']);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /Removed 2 items from the dead-letter queue\./);
    assert.deepEqual(queued(), []);
  });
});

describe('dlq analyze', () => {
  it('groups the failures into patterns, counts them by error type and hour; --json and --export say the same', (t) => {
    const e = engineEnv(t);
    const { id, jobId, home } = failedJob(e);
    const json = cli([...home, 'dlq', 'analyze', id, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const a = JSON.parse(json.stdout);
    assert.equal(a.session_id, id);
    assert.equal(a.job_id, jobId);
    assert.equal(a.total, 2);
    // Both agents failed the same step: one pattern.
    assert.equal(a.pattern_groups.length, 1, JSON.stringify(a.pattern_groups));
    const [g] = a.pattern_groups;
    assert.equal(g.error_type, 'CommandFailed');
    assert.equal(g.count, 2);
    assert.deepEqual(g.item_ids, ['item_1', 'item_2']);
    assert.match(g.pattern, /^Step "…" failed with exit code <n>/);
    assert.equal(
      g.example,
      "Step 'shell: test ${item.name} = ok && echo done > ${item.name}.txt' failed with exit code 1",
    );
    assert.deepEqual(a.error_distribution, { CommandFailed: 2 });
    assert.equal(a.temporal_distribution.bucket, 'hour');
    assert.deepEqual(Object.values(a.temporal_distribution.counts), [2]);
    const text = cli([...home, 'dlq', 'analyze', '--job-id', jobId]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^2 failed items in session ${id}, in 1 pattern:`));
    assert.match(text.stdout, /\n {2}2 {2}CommandFailed {2}Step "…" failed with exit code <n>/);
    assert.match(text.stdout, /items: item_1, item_2\n/);
    assert.match(text.stdout, /By error type: CommandFailed 2\n/);
    assert.match(text.stdout, /By hour of the last attempt \(UTC\):\n {2}\d{4}-\d\d-\d\d \d\d:00 {2}█+ 2/);
    const file = path.join(e.root, 'analysis.json');
    const exported = cli([...home, 'dlq', 'analyze', id, '--export', file]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout, `Wrote the analysis of 2 failed items to ${file}\n`);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), a);
    const every = JSON.parse(cli([...home, 'dlq', 'analyze', '--json']).stdout);
    assert.equal(every.jobs, 1);
    assert.equal(every.total, 2);
  });

  it('errorPattern sets aside what differs from item to item', () => {
    assert.equal(
      core.errorPattern("Step 'shell: cargo test -p a' failed with exit code 101\nmore"),
      'Step "…" failed with exit code <n>',
    );
    assert.equal(core.errorPattern('cannot open /home/u/repo/src/lib.rs: 2 errors'), 'cannot open <path>: <n> errors');
    assert.equal(core.errorPattern('session 5e55f00d-0000-4000-8000-000000000000 at 3f2a9c1d'), 'session <id> at <id>');
    assert.equal(core.errorPattern(''), '(no message)');
  });

  it('retry leaves out items marked not eligible for retry, naming them, unless --force', (t) => {
    const e = engineEnv(t);
    const { id, home } = failedJob(e);
    const itemFile = path.join(e.record(id).metadata.dlq_dir, 'items', 'item_2.json');
    const item = JSON.parse(fs.readFileSync(itemFile, 'utf8'));
    fs.writeFileSync(itemFile, JSON.stringify({ ...item, reprocess_eligible: false }, null, 2));
    const counts = () =>
      JSON.parse(cli([...home, 'dlq', 'list', id, '--json']).stdout).items.map((i) => [i.item_id, i.failure_count]);
    const r = cli([...home, 'dlq', 'retry', id, '--max-retries', '1', '-y']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Leaving out 1 item marked not eligible for retry: item_2 \(--force runs it too\)/);
    assert.deepEqual(counts(), [
      ['item_1', 2],
      ['item_2', 1],
    ]);
    const refused = cli([...home, 'dlq', 'retry', id, '--item', 'item_2']);
    oneLine(refused, 1);
    assert.match(refused.stderr, /is marked not eligible for retry \(item_2\); --force runs them anyway/);
    const forced = cli([...home, 'dlq', 'retry', id, '--item', 'item_2', '--force', '--max-retries', '1', '-y']);
    assert.equal(forced.code, 1, forced.stderr);
    assert.deepEqual(counts(), [
      ['item_1', 2],
      ['item_2', 2],
    ]);
  });

  it('retry without --max-retries runs an item still failing up to 3 rounds, as Prodigy documents', (t) => {
    const e = engineEnv(t);
    const { id, home } = failedJob(e);
    const r = cli([...home, 'dlq', 'retry', id, '--filter', 'item.priority >= 7', '-y']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /round 3 of 3/);
    const items = JSON.parse(cli([...home, 'dlq', 'list', id, '--json']).stdout).items;
    assert.deepEqual(
      items.map((i) => [i.item_id, i.failure_count]),
      [
        ['item_1', 1],
        ['item_2', 4],
      ],
    );
  });
});
