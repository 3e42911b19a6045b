// `clean logs|state|events|dlq|all` from a terminal, on real runs (real git, real processes) in a temp home: what a
// dry run lists with sizes, that a resumable (Failed) session's files are kept and said so, the refusal without a
// terminal, --older-than, the repository scope (--all-repos), and bad input in one line.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, ROOT } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

const GATED = path.join(ROOT, 'test', 'fixtures', 'workflows', 'engine', 'gated.yml');

function cli(args, cwd) {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: 'utf8', env: process.env, cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Completed session and a Failed (resumable) one, each with its log and an events file of its own. */
function twoSessions(e) {
  const gate = path.join(e.root, 'gate');
  const run = (open) => {
    if (open) fs.writeFileSync(gate, '');
    else fs.rmSync(gate, { force: true });
    const r = spawnSync(process.execPath, [DIST_CLI, '--home', e.home, 'run', GATED, '--path', e.repo, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, GATE: gate },
    });
    return JSON.parse(r.stdout).session_id;
  };
  const done = run(true);
  const failed = run(false);
  assert.equal(e.record(done).status, 'Completed');
  assert.equal(e.record(failed).status, 'Failed');
  const events = {};
  for (const id of [done, failed]) {
    const dir = path.join(e.home, 'events', 'repo', id);
    fs.mkdirSync(dir, { recursive: true });
    events[id] = path.join(dir, 'events-20261201_000000.jsonl');
    fs.writeFileSync(events[id], '{"event":{"event_type":"job_started"}}\n');
  }
  const log = (id) => path.join(e.home, 'vscode', 'logs', `${id}.log`);
  assert.ok(fs.existsSync(log(done)) && fs.existsSync(log(failed)));
  return { done, failed, events, log };
}

describe('clean', () => {
  it('logs: --dry-run lists with sizes and keeps the Failed session; no terminal refuses; -f removes', (t) => {
    const e = engineEnv(t);
    const { done, failed, log } = twoSessions(e);
    const dry = cli(['--home', e.home, 'clean', 'logs', '--dry-run'], e.repo);
    assert.equal(dry.code, 0, dry.stderr);
    const size = fs.statSync(log(done)).size;
    assert.match(
      dry.stdout,
      new RegExp(`^Would remove +${size} B  ${log(done)}  \\(session ${done}, Completed\\)$`, 'm'),
    );
    assert.match(dry.stdout, new RegExp(`^Kept ${log(failed)}: session ${failed} is Failed and can be resumed$`, 'm'));
    assert.match(
      dry.stdout,
      /kept 1 of running or resumable sessions \(repository repo\)\. Dry run: nothing was removed\.\n$/,
    );
    assert.ok(fs.existsSync(log(done)), 'a dry run removes nothing');

    const refused = cli(['--home', e.home, 'clean', 'logs'], e.repo);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'prodigy-vscode: not deleting without a terminal to ask on: pass -f to delete (--dry-run shows what would go)\n',
    );
    assert.ok(fs.existsSync(log(done)));

    const r = cli(['--home', e.home, 'clean', 'logs', '-f', '--json'], e.repo);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.ok(json.removed.some((x) => x.path === log(done) && x.session_id === done && x.bytes === size));
    assert.deepEqual(
      json.kept.filter((x) => x.session_id === failed).map((x) => [x.path, x.reason]),
      [[log(failed), 'resumable']],
    );
    assert.ok(!fs.existsSync(log(done)));
    assert.ok(fs.existsSync(log(failed)), "the resumable session's log stays");
    assert.equal(e.record(done).status, 'Completed', 'records are never touched');
  });

  it('events: --older-than leaves newer files, the repository scope, then for real; the folder left empty goes', (t) => {
    const e = engineEnv(t);
    const { done, failed, events } = twoSessions(e);
    const old = new Date(Date.now() - 10 * 86_400_000);
    fs.utimesSync(events[done], old, old);
    fs.utimesSync(events[failed], old, old);
    // A job no session names any more (its session deleted), in this repository's folder.
    const gone = path.join(e.home, 'events', 'repo', 'mapreduce-gone', 'events-20261120_000000.jsonl');
    fs.mkdirSync(path.dirname(gone), { recursive: true });
    fs.writeFileSync(gone, '{}\n');
    fs.utimesSync(gone, old, old);

    const elsewhere = cli(['--home', e.home, 'clean', 'events', '--dry-run'], e.root);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.match(elsewhere.stdout, /^No events to remove; left /);
    assert.match(
      elsewhere.stdout,
      /left \d+ of other repositories or of no session \(--all-repos includes them\) \(repository /,
    );

    const dry = cli(['--home', e.home, 'clean', 'events', '--older-than', '7d', '--dry-run', '--all-repos'], e.root);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      new RegExp(`^Would remove +\\d+ B  ${events[done]}  \\(session ${done}, Completed\\)$`, 'm'),
    );
    assert.match(
      dry.stdout,
      new RegExp(`^Kept ${events[failed]}: session ${failed} is Failed and can be resumed$`, 'm'),
    );

    const r = cli(['--home', e.home, 'clean', 'events', '--older-than', '7d', '-f'], e.repo);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!fs.existsSync(events[done]));
    assert.ok(!fs.existsSync(gone));
    assert.ok(!fs.existsSync(path.dirname(gone)), 'its job folder, left empty, goes too');
    assert.ok(fs.existsSync(events[failed]));
  });

  it('bad input: a duration that is none, an unknown kind, an option clean does not take: one line, exit 2', (t) => {
    const e = engineEnv(t, { git: false });
    for (const args of [
      ['clean', 'logs', '--older-than', 'soon'],
      ['clean', 'everything'],
      ['clean', 'dlq', '--all'],
    ]) {
      const r = cli(['--home', e.home, ...args], e.root);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const bad = cli(['--home', e.home, 'clean', 'logs', '--older-than', 'soon'], e.root);
    assert.match(bad.stderr, /--older-than needs a duration such as 7d, 24h, 30m or 45s, not "soon"/);
  });
});
