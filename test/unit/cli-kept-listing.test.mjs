// `sessions list --json` keeps what it printed with the identity of every session file (H/vscode/sessions-list.cache)
// and, while no file changed, prints it again from the CLI's entry alone: no core, no index. Any change to the
// folder (a file rewritten in place as Prodigy writes, one added, one removed) or a new build makes it anew, and the
// bytes are always those the full listing prints.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from './helpers/env.mjs';
import { runLoading } from './helpers/loadedBundles.mjs';

const FIXTURE_FILES = ['unified-session.workflow.completed.json', 'unified-session.mapreduce-typed.json'];

function homeWithSessions(t) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-listing-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  fs.mkdirSync(path.join(home, 'sessions'));
  for (const name of FIXTURE_FILES) {
    const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
    fs.writeFileSync(path.join(home, 'sessions', `${JSON.parse(text).id}.json`), text);
  }
  return home;
}

const list = (t, home, ...extra) => runLoading(t, ['sessions', 'list', '--json', ...extra], home);
const MADE = ['cli-read.js', 'cli.js'];
const KEPT = ['cli.js'];

/** Rewrites a session file in place, as Prodigy does (truncate, write): same inode, a new mtime. */
function rewriteInPlace(file, change) {
  const record = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(record);
  const fd = fs.openSync(file, 'r+');
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, JSON.stringify(record, null, 2), 0);
  fs.closeSync(fd);
}

describe('sessions list --json: the kept listing', () => {
  it('is printed again, byte for byte, by the entry alone while no session file changed', (t) => {
    const home = homeWithSessions(t);
    const first = list(t, home);
    assert.deepEqual(first.loaded, MADE);
    assert.ok(fs.existsSync(path.join(home, 'vscode', 'sessions-list.cache')));
    const again = list(t, home);
    assert.deepEqual(again.loaded, KEPT, 'the kept listing needs no core');
    assert.equal(again.stdout, first.stdout);
    assert.equal(JSON.parse(again.stdout).sessions.length, 2);
  });

  it('is made anew after a file is rewritten in place, one is added or one is removed', (t) => {
    const home = homeWithSessions(t);
    const dir = path.join(home, 'sessions');
    list(t, home);
    const [file] = fs.readdirSync(dir).map((n) => path.join(dir, n));
    rewriteInPlace(file, (r) => {
      r.status = 'Failed';
      r.error = 'changed by another process';
    });
    const changed = list(t, home);
    assert.deepEqual(changed.loaded, MADE);
    const entry = JSON.parse(changed.stdout).sessions.find((s) => s.file === file);
    assert.equal(entry.status, 'Failed');
    assert.equal(entry.error, 'changed by another process');
    assert.deepEqual(list(t, home).loaded, KEPT);

    const copy = JSON.parse(fs.readFileSync(file, 'utf8'));
    copy.id = 'workflow-1736937999999';
    fs.writeFileSync(path.join(dir, `${copy.id}.json`), JSON.stringify(copy));
    const added = list(t, home);
    assert.deepEqual(added.loaded, MADE);
    assert.equal(JSON.parse(added.stdout).total, 3);

    fs.rmSync(file);
    const removed = list(t, home);
    assert.deepEqual(removed.loaded, MADE);
    assert.equal(JSON.parse(removed.stdout).total, 2);
    assert.ok(!removed.stdout.includes(file));
    assert.equal(list(t, home).stdout, removed.stdout);
  });

  it('stays good while other commands read the home (the folder is measured once, not probed by each process)', (t) => {
    const home = homeWithSessions(t);
    const dir = path.join(home, 'sessions');
    const first = list(t, home);
    const mtime = fs.statSync(dir).mtimeMs;
    assert.deepEqual(list(t, home, '--status', 'Running').loaded, MADE);
    runLoading(t, ['sessions', 'show', JSON.parse(first.stdout).sessions[0].id], home);
    assert.equal(fs.statSync(dir).mtimeMs, mtime, 'a reading command wrote into the sessions folder');
    const again = list(t, home);
    assert.deepEqual(again.loaded, KEPT);
    assert.equal(again.stdout, first.stdout);
  });

  it('is only the full listing: a filter or a limit lists from the core', (t) => {
    const home = homeWithSessions(t);
    list(t, home);
    assert.deepEqual(list(t, home, '--status', 'Running').loaded, MADE);
    assert.deepEqual(list(t, home, '--limit', '1').loaded, MADE);
    assert.deepEqual(runLoading(t, ['sessions', 'list'], home).loaded, MADE, 'the table (relative times) is not kept');
  });

  it('is not used when it was made by another build, or is cut short', (t) => {
    const home = homeWithSessions(t);
    const made = list(t, home).stdout;
    const cache = path.join(home, 'vscode', 'sessions-list.cache');
    const text = fs.readFileSync(cache, 'utf8');
    fs.writeFileSync(cache, text.replace(/"key":"[^"]*"/, '"key":"cli-read-0-0"'));
    assert.deepEqual(list(t, home).loaded, MADE, 'another build');
    fs.writeFileSync(cache, fs.readFileSync(cache).subarray(0, fs.statSync(cache).size - 10));
    const cut = list(t, home);
    assert.deepEqual(cut.loaded, MADE, 'cut short');
    assert.equal(cut.stdout, made);
  });
});
