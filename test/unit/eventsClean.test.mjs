// `events clean` on real events files in a temp home, through the built CLI as a real process (no terminal): each
// criterion (--older-than, --max-events keeping the newest, --max-size) and Prodigy's defaults; lines that are not
// events kept in place; --dry-run; --archive writing a real gzip and never over an earlier archive; rotated pieces
// kept in their form; a running session's file left alone (also when it starts running, or the file changes,
// between the plan and the rewrite); the --json shape; the scope; bad values and the refusal without a terminal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, core, fixture, makeSession, tempHome } from './helpers/env.mjs';

const DAY = 86_400_000;
const NOW = Date.now();

/** A temp home and a project folder named `repo` (so the current repository is `repo`) to run in. */
function setup(t) {
  const h = tempHome(t);
  const repo = path.join(h.root, 'repo');
  fs.mkdirSync(repo);
  return { ...h, repo };
}

/** The CLI as a real process, in the project folder; no terminal, no inherited home or automation switch. */
function cli(h, args, { env = {}, cwd = h.repo } = {}) {
  const r = spawnSync(process.execPath, [DIST_CLI, '--home', h.home, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, PRODIGY_HOME: '', PRODIGY_DEBUG: '', PRODIGY_AUTOMATION: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One event record line as Prodigy writes it, `ageMs` old. */
function ev(id, ageMs, timestamp = new Date(NOW - ageMs).toISOString()) {
  return JSON.stringify({
    id,
    timestamp,
    correlation_id: 'c-1',
    event: { event_type: 'agent_completed', job_id: 'job', agent_id: `agent-${id}`, duration: [3, 0] },
  });
}

/** Writes H/events/{repo}/{job}/{name} with `text`; returns its path. */
function eventsFile(h, job, text, { repo = 'repo', name = 'events-20260101_000000.jsonl' } = {}) {
  const file = path.join(h.home, 'events', repo, job, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const lines = (...ls) => ls.map((l) => `${l}\n`).join('');
const idsOf = (text) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l).id ?? l;
      } catch {
        return l;
      }
    });

/** Exit 2, nothing on stdout, one line on stderr naming the command and the mistake. */
function assertUsage(r, what) {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^prodigy-vscode events clean: ${what}.* \\(see prodigy-vscode events clean --help\\)\\n$`),
  );
}

describe('events clean: what goes', () => {
  it('--older-than: older events go; one without a readable time, lines that are not events and a cut-off last line stay in place; --json', (t) => {
    const h = setup(t);
    const garbage = 'this line is no event';
    const cut = '{"id":"e9","timestamp":"2026-01-';
    const before =
      lines(ev('e1', 10 * DAY), ev('e2', 8 * DAY), garbage, ev('e3', 20 * DAY, 'not a time'), ev('e4', DAY)) +
      ev('e5', 20 * DAY) +
      '\n' +
      cut;
    const file = eventsFile(h, 'job-a', before);

    const r = cli(h, ['events', 'clean', '--older-than', '1w', '-f', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const after = fs.readFileSync(file, 'utf8');
    assert.equal(after, lines(garbage, ev('e3', 20 * DAY, 'not a time'), ev('e4', DAY)) + cut, 'byte for byte');

    const json = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(json), ['dry_run', 'policy', 'files', 'kept', 'errors', 'archive']);
    assert.deepEqual(json.policy, { older_than_ms: 7 * DAY, max_events: null, max_size_bytes: null });
    assert.deepEqual(json.files, [
      {
        file,
        events_total: 5,
        events_removed: 3,
        events_kept: 2,
        other_lines: 2,
        bytes_before: Buffer.byteLength(before),
        bytes_after: Buffer.byteLength(after),
        archive: null,
      },
    ]);
    assert.equal(json.dry_run, false);
    assert.deepEqual([json.kept, json.errors, json.archive], [[], [], null]);
  });

  it("--max-events N keeps the newest N of each file (Prodigy's docs; its code kept the first N)", (t) => {
    const h = setup(t);
    const file = eventsFile(
      h,
      'job-a',
      lines(ev('e1', 6), ev('e2', 5), 'other', ev('e3', 4), ev('e4', 3), ev('e5', 2)),
    );
    const second = eventsFile(h, 'job-b', lines(ev('f1', 2), ev('f2', 1)));
    const r = cli(h, ['events', 'clean', '--max-events', '2', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(idsOf(fs.readFileSync(file, 'utf8')), ['other', 'e4', 'e5']);
    assert.deepEqual(idsOf(fs.readFileSync(second, 'utf8')), ['f1', 'f2'], 'a file within the limit is not touched');
    assert.match(r.stdout, /^Policy: keep the newest 2 events per file$/m);
    assert.match(
      r.stdout,
      new RegExp(`^Removed 3 of 5 events  ${file}  \\(2 kept, 1 other line kept as written; \\d+ B → \\d+ B\\)$`, 'm'),
    );
    assert.match(r.stdout, /^Removed 3 events from 1 events file, .* \(repository repo\)\.$/m);
  });

  it('--max-size SIZE drops the oldest events until the file fits, and no more (KB is 1024, any case)', (t) => {
    const h = setup(t);
    const evs = Array.from({ length: 20 }, (_, i) => ev(`e${String(i).padStart(2, '0')}`, 100 - i));
    const file = eventsFile(h, 'job-a', lines(...evs));
    const r = cli(h, ['events', 'clean', '--max-size', '1kb', '-f', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const after = fs.readFileSync(file, 'utf8');
    const kept = idsOf(after);
    assert.ok(Buffer.byteLength(after) <= 1024, `${Buffer.byteLength(after)} bytes`);
    assert.deepEqual(
      kept,
      evs.slice(20 - kept.length).map((l) => JSON.parse(l).id),
      'the newest stay',
    );
    const oneMore = Buffer.byteLength(evs[20 - kept.length - 1]) + 1;
    assert.ok(Buffer.byteLength(after) + oneMore > 1024, 'not one event more than needed went');
    const json = JSON.parse(r.stdout);
    assert.equal(json.policy.max_size_bytes, 1024);
    assert.equal(json.files[0].bytes_after, Buffer.byteLength(after));
  });

  it("no criterion: Prodigy's defaults, older than 30 days and the newest 100,000 per file, said so", (t) => {
    const h = setup(t);
    const old = eventsFile(
      h,
      'job-a',
      lines(ev('a1', 40 * DAY), ev('a2', 31 * DAY), ev('a3', 29 * DAY), ev('a4', DAY)),
    );
    const many = Array.from({ length: 100_003 }, (_, i) => ev(`m${i}`, 100_003 - i));
    const big = eventsFile(h, 'job-b', lines(...many));
    const r = cli(h, ['events', 'clean', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Policy: remove events older than 30d; keep the newest 100000 events per file \(Prodigy's defaults: no --older-than, --max-events or --max-size was given\)$/m,
    );
    assert.deepEqual(idsOf(fs.readFileSync(old, 'utf8')), ['a3', 'a4']);
    const left = idsOf(fs.readFileSync(big, 'utf8'));
    assert.equal(left.length, 100_000);
    assert.deepEqual(left.slice(0, 2), ['m3', 'm4'], 'the three oldest went');
    const json = JSON.parse(cli(h, ['events', 'clean', '--dry-run', '--json']).stdout);
    assert.deepEqual(json.policy, { older_than_ms: 30 * DAY, max_events: 100_000, max_size_bytes: null });
  });

  it('a file left with no events and no other lines stays, empty; nothing left to match is said so, exit 0', (t) => {
    const h = setup(t);
    const file = eventsFile(h, 'job-a', lines(ev('e1', 40 * DAY), ev('e2', 35 * DAY)));
    assert.equal(cli(h, ['events', 'clean', '--older-than', '30d', '-f']).code, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), '');
    const again = cli(h, ['events', 'clean', '--older-than', '30d']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No events match the cleanup criteria\. \(1 events file read, of repository repo; /m);
  });
});

describe('events clean: safety', () => {
  it('--dry-run says what would go and changes nothing (no archive either)', (t) => {
    const h = setup(t);
    const text = lines(ev('e1', 40 * DAY), ev('e2', DAY));
    const file = eventsFile(h, 'job-a', text);
    const old = new Date(NOW - 3 * DAY);
    fs.utimesSync(file, old, old);
    const mtimeMs = fs.statSync(file).mtimeMs;
    const r = cli(h, ['events', 'clean', '--older-than', '7d', '--dry-run', '--archive']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Would remove 1 of 2 events  ${file}  \\(1 kept; `, 'm'));
    assert.match(r.stdout, /Dry run: nothing was changed\.\n$/);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    assert.equal(fs.statSync(file).mtimeMs, mtimeMs);
    assert.ok(!fs.existsSync(path.join(h.home, 'events', 'archive')), 'no archive on a dry run');
  });

  it('--archive writes the removed events to a real gzip first, never over an earlier archive; --archive-path implies it', (t) => {
    const h = setup(t);
    const gone = [ev('e1', 40 * DAY), ev('e2', 35 * DAY)];
    const file = eventsFile(h, 'job-a', lines(gone[0], 'other', gone[1], ev('e3', DAY)));
    // Every name the run could take in the next minute is taken: it must add -1.
    const dir = path.join(h.home, 'events', 'archive');
    fs.mkdirSync(dir, { recursive: true });
    const taken = new Set();
    for (let s = -2; s < 60; s++) {
      const stamp = new Date(Date.now() + s * 1000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\..*$/, '')
        .replace('T', '_');
      const name = `events_archive_${stamp}.jsonl.gz`;
      fs.writeFileSync(path.join(dir, name), 'earlier archive');
      taken.add(name);
    }
    const r = cli(h, ['events', 'clean', '--older-than', '30d', '--archive', '-f', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const archive = JSON.parse(r.stdout).files[0].archive;
    assert.equal(JSON.parse(r.stdout).archive, dir);
    assert.equal(path.dirname(archive), dir);
    assert.match(path.basename(archive), /^events_archive_\d{8}_\d{6}-1\.jsonl\.gz$/);
    for (const name of taken) assert.equal(fs.readFileSync(path.join(dir, name), 'utf8'), 'earlier archive', name);
    assert.equal(zlib.gunzipSync(fs.readFileSync(archive)).toString('utf8'), lines(...gone));
    assert.deepEqual(idsOf(fs.readFileSync(file, 'utf8')), ['other', 'e3']);

    const elsewhere = path.join(h.root, 'backup');
    const second = eventsFile(h, 'job-b', lines(ev('f1', 40 * DAY), ev('f2', DAY)));
    const r2 = cli(h, ['events', 'clean', '--older-than', '30d', '--archive-path', elsewhere, '-f']);
    assert.equal(r2.code, 0, r2.stderr);
    const [written] = fs.readdirSync(elsewhere);
    assert.match(written, /^events_archive_\d{8}_\d{6}\.jsonl\.gz$/);
    assert.match(
      r2.stdout,
      new RegExp(`^Removed 1 of 2 events  ${second}  .*  archive ${path.join(elsewhere, written)}$`, 'm'),
    );
    assert.equal(zlib.gunzipSync(fs.readFileSync(path.join(elsewhere, written))).toString(), lines(ev('f1', 40 * DAY)));
  });

  it('rotated pieces are trimmed in their form: a gzipped one stays gzipped, a plain one plain; a broken gzip is one error line', (t) => {
    const h = setup(t);
    const gz = eventsFile(h, 'job-a', zlib.gzipSync(lines(ev('g1', 3), ev('g2', 2), ev('g3', 1))), {
      name: 'events-20260101_000000.20260102_000000.jsonl.gz',
    });
    const plain = eventsFile(h, 'job-a', lines(ev('p1', 2), ev('p2', 1)), {
      name: 'events-20260101_000000.20260103_000000.jsonl.gz',
    });
    const broken = eventsFile(
      h,
      'job-b',
      Buffer.concat([zlib.gzipSync(lines(ev('b1', 2), ev('b2', 1))).subarray(0, 30)]),
      {
        name: 'events-20260101_000000.20260104_000000.jsonl.gz',
      },
    );
    const brokenBytes = fs.readFileSync(broken);
    const r = cli(h, ['events', 'clean', '--max-events', '1', '-f', '--json']);
    assert.equal(r.code, 1, 'a file that could not be cleaned is exit 1');
    const raw = fs.readFileSync(gz);
    assert.deepEqual([raw[0], raw[1]], [0x1f, 0x8b], 'still gzip');
    assert.deepEqual(idsOf(zlib.gunzipSync(raw).toString('utf8')), ['g3']);
    assert.deepEqual(idsOf(fs.readFileSync(plain, 'utf8')), ['p2'], 'plain text stays plain text');
    assert.deepEqual(fs.readFileSync(broken), brokenBytes);
    const json = JSON.parse(r.stdout);
    assert.equal(json.files.find((f) => f.file === gz).bytes_after, raw.length);
    assert.deepEqual(
      json.errors.map((e) => e.file),
      [broken],
    );
    assert.match(json.errors[0].error, /not a whole gzip file/);

    const text = cli(h, ['events', 'clean', '--max-events', '1', '-f']);
    assert.equal(text.code, 1);
    assert.match(
      text.stderr,
      new RegExp(
        `^prodigy-vscode: could not clean ${broken} \\(left as it was\\): it is not a whole gzip file \\(.+\\)\\n$`,
      ),
    );
  });

  it("a running session's file is left alone and said so; the other files are cleaned", (t) => {
    const h = setup(t);
    const id = 'workflow-1700000000001';
    h.writeSession(makeSession(id));
    const running = eventsFile(h, id, lines(ev('r1', 40 * DAY), ev('r2', DAY)));
    const other = eventsFile(h, 'workflow-1700000000002', lines(ev('o1', 40 * DAY), ev('o2', DAY)));
    // This test's own process stands in for the run holding the session's resume lock.
    fs.mkdirSync(path.join(h.home, 'resume_locks'), { recursive: true });
    fs.writeFileSync(
      path.join(h.home, 'resume_locks', `${id}.lock`),
      JSON.stringify({ job_id: id, process_id: process.pid, hostname: 'test', acquired_at: new Date().toISOString() }),
    );
    const r = cli(h, ['events', 'clean', '--older-than', '30d', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Kept ${running}: session ${id} is running$`, 'm'));
    assert.match(r.stdout, /; left 1 file as it was \(repository repo\)\.$/m);
    assert.deepEqual(idsOf(fs.readFileSync(running, 'utf8')), ['r1', 'r2']);
    assert.deepEqual(idsOf(fs.readFileSync(other, 'utf8')), ['o2']);
    const json = JSON.parse(cli(h, ['events', 'clean', '--older-than', '30d', '--dry-run', '--json']).stdout);
    assert.deepEqual(json.kept, [{ file: running, reason: 'running', message: `session ${id} is running` }]);
  });

  it('checked again before each rewrite: a session that started running, a file that changed, are left as they are', async (t) => {
    const h = setup(t);
    const id = 'workflow-1700000000003';
    h.writeSession(makeSession(id));
    const starts = eventsFile(h, id, lines(ev('s1', 40 * DAY), ev('s2', DAY)));
    const grows = eventsFile(h, 'job-grows', lines(ev('g1', 40 * DAY), ev('g2', DAY)));
    const manager = h.manager();
    const policy = core.retentionPolicyOf({ olderThanMs: 30 * DAY }).policy;
    const refs = [starts, grows].map((file) => ({ repo: 'repo', job: path.basename(path.dirname(file)), file }));
    const plan = await core.planEventsRetention(manager, refs, policy);
    assert.equal(plan.files.length, 2);

    fs.mkdirSync(path.join(h.home, 'resume_locks'), { recursive: true });
    fs.writeFileSync(
      path.join(h.home, 'resume_locks', `${id}.lock`),
      JSON.stringify({ job_id: id, process_id: process.pid, hostname: 'test', acquired_at: new Date().toISOString() }),
    );
    fs.appendFileSync(grows, lines(ev('g3', 0)));
    const archiveDir = path.join(h.root, 'archive');
    assert.deepEqual(core.applyEventsRetention(plan, manager, archiveDir), []);
    assert.deepEqual(
      plan.files.map((f) => [f.kept?.reason, f.kept?.message.split(' ')[0]]),
      [
        ['running', 'session'],
        ['changed', 'it'],
      ],
    );
    assert.deepEqual(idsOf(fs.readFileSync(starts, 'utf8')), ['s1', 's2']);
    assert.deepEqual(idsOf(fs.readFileSync(grows, 'utf8')), ['g1', 'g2', 'g3'], 'the appended event is not lost');
    assert.ok(!fs.existsSync(archiveDir) || fs.readdirSync(archiveDir).length === 0, 'nothing archived');
  });

  it('refuses without a terminal to ask on unless -f or PRODIGY_AUTOMATION=true', (t) => {
    const h = setup(t);
    const text = lines(ev('e1', 40 * DAY), ev('e2', DAY));
    const file = eventsFile(h, 'job-a', text);
    const refused = cli(h, ['events', 'clean']);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'prodigy-vscode: not deleting without a terminal to ask on: pass -f to delete (--dry-run shows what would go)\n',
    );
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    const notTrue = cli(h, ['events', 'clean'], { env: { PRODIGY_AUTOMATION: '1' } });
    assert.equal(notTrue.code, 1, 'only "true" is automation');
    const auto = cli(h, ['events', 'clean'], { env: { PRODIGY_AUTOMATION: 'true' } });
    assert.equal(auto.code, 0, auto.stderr);
    assert.deepEqual(idsOf(fs.readFileSync(file, 'utf8')), ['e2']);
  });
});

describe('events clean: scope and input', () => {
  it("the current folder's repository by default; --all-jobs, --job-id (a session id finds its job) and --file narrow or widen", (t) => {
    const h = setup(t);
    const text = lines(ev('e1', 40 * DAY), ev('e2', DAY));
    const here = eventsFile(h, 'job-a', text);
    const mr = fixture('unified-session.mapreduce-typed.json');
    h.writeSession(mr);
    const there = eventsFile(h, mr.mapreduce_data.job_id, text, { repo: 'other' });
    const third = eventsFile(h, 'job-c', text, { repo: 'other' });
    const ids = (f) => idsOf(fs.readFileSync(f, 'utf8'));

    assert.equal(cli(h, ['events', 'clean', '--older-than', '30d', '-f']).code, 0);
    assert.deepEqual([ids(here), ids(there), ids(third)], [['e2'], ['e1', 'e2'], ['e1', 'e2']]);

    const byJob = cli(h, ['events', 'clean', '--older-than', '30d', '-f', '--job-id', mr.id]);
    assert.equal(byJob.code, 0, byJob.stderr);
    assert.deepEqual([ids(there), ids(third)], [['e2'], ['e1', 'e2']]);

    fs.writeFileSync(there, text);
    const byFile = cli(h, ['events', 'clean', '--older-than', '30d', '-f', '--file', third]);
    assert.equal(byFile.code, 0, byFile.stderr);
    assert.deepEqual([ids(there), ids(third)], [['e1', 'e2'], ['e2']]);

    const all = cli(h, ['events', 'clean', '--older-than', '30d', '-f', '--all-jobs']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /\(every repository\)\.$/m);
    assert.deepEqual(ids(there), ['e2']);

    const unknown = cli(h, ['events', 'clean', '--job-id', 'mapreduce-nope', '-f']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^prodigy-vscode: No events for job mapreduce-nope /);
  });

  it('bad values are one usage line naming the flag and the form it needs, exit 2', (t) => {
    const h = setup(t);
    const file = eventsFile(h, 'job-a', lines(ev('e1', 40 * DAY)));
    assertUsage(
      cli(h, ['events', 'clean', '--max-size', '10XB']),
      '--max-size needs a size of at least 1 byte such as 100MB, 1GB, 500KB or a number of bytes, not "10XB"',
    );
    assertUsage(
      cli(h, ['events', 'clean', '--max-events', '0']),
      '--max-events needs a whole number of at least 1, not "0"',
    );
    assertUsage(
      cli(h, ['events', 'clean', '--max-events', '-3']),
      '--max-events needs a whole number of at least 1, not "-3"',
    );
    assertUsage(cli(h, ['events', 'clean', '--older-than', 'soon']), '--older-than needs a duration such as 7d');
    assertUsage(
      cli(h, ['events', 'clean', '--all-jobs', '--job-id', 'x']),
      '--job-id and --all-jobs each choose the files; give one',
    );
    assert.equal(fs.readFileSync(file, 'utf8'), lines(ev('e1', 40 * DAY)));
    // The sizes it takes.
    for (const [size, bytes] of [
      ['500KB', 500 * 1024],
      ['1gb', 1024 ** 3],
      ['100MB', 100 * 1024 ** 2],
      ['2048', 2048],
    ]) {
      const r = cli(h, ['events', 'clean', '--max-size', size, '--dry-run', '--json']);
      assert.equal(JSON.parse(r.stdout).policy.max_size_bytes, bytes, size);
    }
  });
});
