// Crash safety: a writer killed with SIGKILL at random moments never leaves a torn record, a
// temp file that lists as a session, or a lock that blocks others for good.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { core, tempHome, spawnWorker, waitForLine, sleep, settle, pretty, makeSession } from './helpers/env.mjs';

const ROUNDS = 6;
const STALE_MS = 10_000; // proper-lockfile staleness used by src/core/storage/fileLock.ts

/** Every *.json in H/sessions is a whole record; everything else there is one of our temp files. */
function checkSessionsDir(h, ids) {
  const names = fs.readdirSync(h.sessionsDir);
  const json = names.filter((n) => n.endsWith('.json')).sort();
  assert.deepEqual(json, ids.map((id) => `${id}.json`).sort(), 'exactly the session records');
  const others = names.filter((n) => !n.endsWith('.json'));
  for (const n of others) assert.match(n, /^\..+\.tmp$/, `only temp files besides records, found ${n}`);
  const counters = {};
  for (const name of json) {
    const text = fs.readFileSync(path.join(h.sessionsDir, name), 'utf8');
    let parsed;
    assert.doesNotThrow(() => (parsed = JSON.parse(text)), `${name} is whole JSON`);
    assert.equal(text, pretty(parsed), `${name} is exactly one pretty-printed record (not torn or doubled)`);
    const r = core.UnifiedSession.safeParse(parsed);
    assert.ok(r.success, `${name} matches the schema`);
    assert.equal(`${parsed.id}.json`, name);
    // Snapshots are written before the record points at them.
    for (const cp of parsed.checkpoints) {
      const snap = path.join(h.stateDir, parsed.id, 'snapshots', `${cp.id}.snapshot.json`);
      assert.ok(fs.existsSync(snap), `snapshot of ${cp.id} exists`);
      assert.equal(JSON.parse(fs.readFileSync(snap, 'utf8')).checkpoint_id, cp.id);
    }
    counters[parsed.id] = parsed.metadata.counter ?? 0;
  }
  return { counters, tempFiles: others };
}

function heldLocks(h) {
  try {
    return fs.readdirSync(h.locksDir).filter((n) => n.endsWith('.lock'));
  } catch {
    return [];
  }
}

describe('SIGKILL during a storm of writes', () => {
  it(`${ROUNDS} rounds of random kills leave whole records, and every session stays writable`, async (t) => {
    const h = tempHome(t);
    const setup = h.manager();
    const ids = ['wf-crash-a', 'wf-crash-b', 'wf-crash-c'];
    for (const id of ids) {
      await setup.createSession({ id, type: 'Workflow', workflowName: id });
      await setup.startSession(id);
    }
    setup.close();

    let previous = Object.fromEntries(ids.map((id) => [id, 0]));
    let sawTemp = 0;
    let sawLock = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const child = spawnWorker(h, { mode: 'storm', ids });
      await waitForLine(child, 'ready');
      await sleep(20 + Math.floor(Math.random() * 250));
      child.kill('SIGKILL');
      const { signal } = await child.exited;
      assert.equal(signal, 'SIGKILL', `round ${round}: the writer was still running when killed (${child.stderrText})`);

      const { counters, tempFiles } = checkSessionsDir(h, ids);
      sawTemp += tempFiles.length;
      for (const id of ids) assert.ok(counters[id] >= previous[id], `round ${round}: ${id} did not go back in time`);
      assert.ok(
        ids.some((id) => counters[id] > previous[id]),
        `round ${round}: the storm wrote something`,
      );

      // A fresh reader: only the records, nothing unreadable, temp files never listed.
      const reader = h.manager();
      const listing = await reader.listSessions();
      assert.deepEqual(listing.sessions.map((s) => s.id).sort(), ids);
      assert.deepEqual(listing.unreadable, []);

      // Locks of the dead writer: pretend the stale period has passed (their mtime is what
      // proper-lockfile judges), then a fresh manager must be able to write every session.
      const locks = heldLocks(h);
      sawLock += locks.length;
      const past = new Date(Date.now() - STALE_MS - 5_000);
      for (const l of locks) fs.utimesSync(path.join(h.locksDir, l), past, past);
      const writer = h.manager();
      for (const id of ids) {
        const next = await writer.updateSession(id, (s) => ({
          ...s,
          metadata: { ...s.metadata, counter: (s.metadata.counter ?? 0) + 1, checked_round: round },
        }));
        assert.equal(next.metadata.checked_round, round);
        assert.equal(next.metadata.counter, counters[id] + 1, `${id}: the update built on the last whole record`);
      }
      previous = checkSessionsDir(h, ids).counters;
      reader.close();
      writer.close();
    }
    await settle();
    t.diagnostic(`temp files left by killed writers: ${sawTemp}; locks left: ${sawLock}`);
    assert.deepEqual(heldLocks(h), [], 'every lock released or taken over');
  });

  it('leftover temp files are never listed as sessions, even when they hold a whole record', async (t) => {
    const h = tempHome(t);
    h.writeSession(makeSession('workflow-1736937000123'));
    // Names atomicFile.ts uses for its temp files, plus Prodigy's own checkpoint temp spelling.
    fs.writeFileSync(
      path.join(h.sessionsDir, '.workflow-1736937000123.json.4242.deadbeef.tmp'),
      pretty(makeSession('workflow-1736937000123', { status: 'Failed' })),
    );
    fs.writeFileSync(
      path.join(h.sessionsDir, '.workflow-1736937000999.json.4242.deadbeef.tmp'),
      pretty(makeSession('workflow-1736937000999')),
    );
    fs.writeFileSync(path.join(h.sessionsDir, '.workflow-1736937000998.json.4242.cafebabe.tmp'), '{"id": "workflow-17');
    const m = h.manager();
    const listing = await m.listSessions();
    assert.deepEqual(
      listing.sessions.map((s) => s.id),
      ['workflow-1736937000123'],
    );
    assert.equal(listing.sessions[0].status, 'Running', 'the record, not the temp file');
    assert.deepEqual(listing.unreadable, []);
    await assert.rejects(m.getSession('workflow-1736937000999'), core.SessionNotFoundError);
  });
});

describe('locks left behind', () => {
  it('a lock directory left by a dead process is taken over once it is stale (real wait)', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ id: 'wf-stale-lock', type: 'Workflow' });
    await settle();
    // What a writer killed while holding the lock leaves: the lock directory, last refreshed
    // 8.5 s ago (proper-lockfile refreshes its mtime while the holder is alive).
    const lockDir = path.join(h.locksDir, `${s.id}.lock`);
    fs.mkdirSync(lockDir, { recursive: true });
    const lockTime = Date.now() - (STALE_MS - 1_500);
    fs.utimesSync(lockDir, new Date(lockTime), new Date(lockTime));

    const fresh = h.manager();
    const next = await fresh.updateSession(s.id, { metadata: { after_takeover: true } });
    const waited = Date.now() - lockTime;
    assert.equal(next.metadata.after_takeover, true);
    assert.equal(h.readSessionJson(s.id).metadata.after_takeover, true);
    assert.ok(waited >= STALE_MS - 50, `the lock was respected until it went stale (taken after ${waited} ms)`);
    await settle();
    assert.equal(fs.existsSync(lockDir), false, 'the new holder released the lock');
  });

  it('a lock that is held (fresh) makes other writers wait, not fail or skip', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ id: 'wf-held', type: 'Workflow' });
    await settle();
    const lockDir = path.join(h.locksDir, `${s.id}.lock`);
    fs.mkdirSync(lockDir, { recursive: true }); // fresh: someone holds it right now
    const other = h.manager();
    let done = false;
    const pending = other.updateSession(s.id, { metadata: { waited: true } }).then((r) => {
      done = true;
      return r;
    });
    await sleep(400);
    assert.equal(done, false, 'did not write while the lock was held');
    assert.equal(h.readSessionJson(s.id).metadata.waited, undefined);
    fs.rmdirSync(lockDir); // the holder releases
    const result = await pending;
    assert.equal(result.metadata.waited, true);
    assert.equal(h.readSessionJson(s.id).metadata.waited, true);
  });
});
