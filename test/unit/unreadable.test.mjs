// Unreadable files in H/sessions: reported with path and reason, never changed by reading,
// moved aside only by quarantineUnreadable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  core,
  fixtureText,
  tempHome,
  makeSession,
  pretty,
  FIXTURE_WORKFLOW_ID,
  FIXTURE_MAPREDUCE_ID,
} from './helpers/env.mjs';

const { CorruptFileError } = core;

/** Good records plus one of each kind of bad file. Returns {bad: {name: bytes}, good: {name: bytes}}. */
function seed(h) {
  const good = {
    [`${FIXTURE_WORKFLOW_ID}.json`]: fixtureText('unified-session.workflow.running.json'),
    [`${FIXTURE_MAPREDUCE_ID}.json`]: fixtureText('unified-session.mapreduce-typed.json'),
  };
  const full = fixtureText('unified-session.workflow.paused.json').replace(
    FIXTURE_WORKFLOW_ID,
    'workflow-1736937000300',
  );
  const bad = {
    'workflow-1736937000100.json': '', // empty (Prodigy truncated, had not written yet)
    'workflow-1736937000200.json': full.slice(0, Math.floor(full.length / 2)), // truncated
    'workflow-1736937000400.json': pretty(makeSession('workflow-1736937000400', { status: 'Bogus' })), // wrong shape
    'workflow-1736937000500.json': pretty(makeSession('workflow-1736937000501')), // id does not match file name
    'workflow-1736937000600.json': '[1, 2, 3]', // JSON, not a session
  };
  for (const [name, text] of Object.entries({ ...good, ...bad })) h.writeSession(text, name);
  return { good, bad };
}

const REASONS = {
  'workflow-1736937000100.json': /empty/,
  'workflow-1736937000200.json': /not valid JSON/,
  'workflow-1736937000400.json': /status/,
  'workflow-1736937000500.json': /does not match the file name/,
  'workflow-1736937000600.json': /wrongly shaped/,
};

function assertBytes(h, files) {
  for (const [name, text] of Object.entries(files)) {
    assert.equal(fs.readFileSync(path.join(h.sessionsDir, name), 'utf8'), text, `${name} unchanged byte for byte`);
  }
}

describe('unreadable session files', () => {
  it('listSessions returns the good sessions and reports each bad file with its path and a reason', async (t) => {
    const h = tempHome(t);
    const { bad } = seed(h);
    const m = h.manager();
    const listing = await m.listSessions();
    assert.deepEqual(listing.sessions.map((s) => s.id).sort(), [FIXTURE_MAPREDUCE_ID, FIXTURE_WORKFLOW_ID].sort());
    assert.equal(listing.total, 2);
    assert.deepEqual(listing.unreadable.map((u) => u.name).sort(), Object.keys(bad).sort());
    for (const u of listing.unreadable) {
      assert.equal(u.file, path.join(h.sessionsDir, u.name));
      assert.match(u.reason, REASONS[u.name], `${u.name}: ${u.reason}`);
    }
    // Filters do not hide unreadable files.
    assert.equal((await m.listSessions({ status: 'Completed' })).unreadable.length, Object.keys(bad).length);
  });

  it('bad files stay byte-for-byte unchanged after listings and getSession attempts', async (t) => {
    const h = tempHome(t);
    const { bad, good } = seed(h);
    const m = h.manager();
    await m.listSessions();
    await m.listSessions();
    for (const name of Object.keys(bad)) {
      const id = name.slice(0, -5);
      await assert.rejects(m.getSession(id), (err) => {
        assert.ok(err instanceof CorruptFileError, `${name}: CorruptFileError, got ${err?.name}: ${err?.message}`);
        assert.ok(err.message.includes(path.join(h.sessionsDir, name)), `names the file: ${err.message}`);
        return true;
      });
      await assert.rejects(m.updateSession(id, { metadata: { x: 1 } }), CorruptFileError);
    }
    m.close();
    await h.manager().listSessions();
    assertBytes(h, bad);
    assertBytes(h, good);
  });

  it('quarantineUnreadable({minAgeMs: 0}) moves only the bad files aside, with a README', async (t) => {
    const h = tempHome(t);
    const { bad, good } = seed(h);
    const m = h.manager();
    const result = await m.quarantineUnreadable({ minAgeMs: 0 });
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(result.moved.map((x) => path.basename(x.from)).sort(), Object.keys(bad).sort());
    const folder = result.folder;
    assert.match(path.relative(h.home, folder), /^quarantine[/\\][^/\\]+[/\\]sessions$/, folder);
    for (const moved of result.moved) {
      const name = path.basename(moved.from);
      assert.equal(moved.from, path.join(h.sessionsDir, name));
      assert.equal(moved.to, path.join(folder, name));
      assert.equal(fs.readFileSync(moved.to, 'utf8'), bad[name], `${name} moved intact`);
      assert.match(moved.reason, REASONS[name]);
    }
    const readme = fs.readFileSync(path.join(path.dirname(folder), 'README.txt'), 'utf8');
    for (const name of Object.keys(bad)) assert.ok(readme.includes(name), `README mentions ${name}`);
    assert.deepEqual(fs.readdirSync(h.sessionsDir).sort(), Object.keys(good).sort(), 'good files left alone');
    assertBytes(h, good);
    const after = await m.listSessions();
    assert.deepEqual(after.unreadable, []);
    assert.equal(after.sessions.length, 2);
    const fresh = await h.manager().listSessions();
    assert.deepEqual(fresh.unreadable, []);
    // Nothing left to do the second time.
    const again = await m.quarantineUnreadable({ minAgeMs: 0 });
    assert.deepEqual(again.moved, []);
  });

  it('quarantine leaves files written just now alone (a writer may be half-way through)', async (t) => {
    const h = tempHome(t);
    const { bad } = seed(h);
    const m = h.manager();
    const result = await m.quarantineUnreadable(); // default minimum age
    assert.deepEqual(result.moved, []);
    assert.deepEqual(result.skipped.map((s) => path.basename(s.file)).sort(), Object.keys(bad).sort());
    for (const s of result.skipped) assert.match(s.reason, /just now/);
    assertBytes(h, bad);
    assert.equal(fs.existsSync(path.join(h.home, 'quarantine')), false);
  });

  it('quarantine re-checks each file: one repaired since the listing stays', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    h.writeSession('', 'workflow-1736937000700.json');
    assert.equal((await m.listSessions()).unreadable.length, 1);
    h.writeSession(makeSession('workflow-1736937000700'));
    const result = await m.quarantineUnreadable({ minAgeMs: 0 });
    assert.deepEqual(result.moved, []);
    assert.equal((await m.getSession('workflow-1736937000700')).id, 'workflow-1736937000700');
  });

  it('a directory named x.json: good sessions still list and it is reported, not crashed on', async (t) => {
    const h = tempHome(t);
    h.writeSession(fixtureText('unified-session.workflow.running.json'), `${FIXTURE_WORKFLOW_ID}.json`);
    fs.mkdirSync(path.join(h.sessionsDir, 'workflow-1736937000800.json'));
    const m = h.manager();
    const listing = await m.listSessions();
    assert.deepEqual(
      listing.sessions.map((s) => s.id),
      [FIXTURE_WORKFLOW_ID],
    );
    await assert.rejects(m.getSession('workflow-1736937000800'));
    assert.deepEqual(
      listing.unreadable.map((u) => u.name),
      ['workflow-1736937000800.json'],
      'the directory is reported as unreadable',
    );
    assert.equal(listing.unreadable[0].file, path.join(h.sessionsDir, 'workflow-1736937000800.json'));
    assert.ok(listing.unreadable[0].reason.length > 0);
  });

  it('quarantine copes with a directory named x.json: good record untouched, later listing clean', async (t) => {
    const h = tempHome(t);
    const goodText = fixtureText('unified-session.workflow.running.json');
    h.writeSession(goodText, `${FIXTURE_WORKFLOW_ID}.json`);
    const dir = path.join(h.sessionsDir, 'workflow-1736937000800.json');
    fs.mkdirSync(dir);
    const m = h.manager();
    const result = await m.quarantineUnreadable({ minAgeMs: 0 });
    assert.deepEqual(result.skipped, []);
    for (const moved of result.moved) assert.equal(moved.from, dir, 'only the directory may be moved');
    assert.equal(h.readSessionText(FIXTURE_WORKFLOW_ID), goodText);
    const after = await m.listSessions();
    assert.deepEqual(
      after.sessions.map((s) => s.id),
      [FIXTURE_WORKFLOW_ID],
    );
    assert.deepEqual(after.unreadable, []);
  });
});
