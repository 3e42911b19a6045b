// Cross-process consistency: another manager, another process or Prodigy itself writes, and a
// long-lived manager (the extension's) must see the new value at once: no stale cache, no
// stale persisted index.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { core, fixtureText, tempHome, makeSession, pretty, runWorker, FIXTURE_WORKFLOW_ID } from './helpers/env.mjs';

/** Rewrites a file the way Prodigy does (truncate + write, same inode, not atomic). */
function rewriteInPlace(file, text) {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, Buffer.from(text, 'utf8'), 0, Buffer.byteLength(text), 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** A name of fixed width, so two versions of a record have exactly the same size. */
const nameFor = (n) => `wf-${String(n).padStart(6, '0')}`;

describe('another writer, seen at once', () => {
  it('a write by a child process is seen by getSession and listSessions of a warm manager', async (t) => {
    const h = tempHome(t);
    const a = h.manager();
    const s = await a.createSession({ id: 'wf-xproc', type: 'Workflow', workflowName: 'before' });
    await a.getSession(s.id);
    await a.listSessions(); // warm cache and index
    await runWorker(h, {
      mode: 'update',
      id: s.id,
      patch: { status: 'Running', metadata: { from_child: 1 }, workflow_data: { workflow_name: 'after-child-write' } },
    });
    const got = await a.getSession(s.id);
    assert.equal(got.status, 'Running');
    assert.equal(got.metadata.from_child, 1);
    const listed = (await a.listSessions()).sessions.find((x) => x.id === s.id);
    assert.equal(listed.status, 'Running');
    assert.equal(listed.workflow_name, 'after-child-write');
    // And the warm manager's next update builds on the child's write.
    const next = await a.updateSession(s.id, { metadata: { from_parent: 1 } });
    assert.equal(next.metadata.from_child, 1);
    assert.equal(h.readSessionJson(s.id).metadata.from_child, 1);
  });

  it("a session created and one deleted by a child process show up in the warm manager's listing", async (t) => {
    const h = tempHome(t);
    const a = h.manager();
    await a.createSession({ id: 'wf-stays', type: 'Workflow' });
    await a.createSession({ id: 'wf-goes', type: 'Workflow' });
    const events = [];
    a.onDidChange((e) => events.push(e));
    assert.equal((await a.listSessions()).total, 2);
    await runWorker(h, { mode: 'create', id: 'wf-new-elsewhere', workflowName: 'made-by-child' });
    fs.rmSync(h.sessionFile('wf-goes')); // Prodigy's delete(id)
    const listing = await a.listSessions();
    assert.deepEqual(listing.sessions.map((s) => s.id).sort(), ['wf-new-elsewhere', 'wf-stays']);
    await assert.rejects(a.getSession('wf-goes'), core.SessionNotFoundError);
    assert.deepEqual(events.map((e) => [e.kind, e.id, e.external]).sort(), [
      ['delete', 'wf-goes', true],
      ['upsert', 'wf-new-elsewhere', true],
    ]);
  });

  it('a write by a second manager in the same process is seen by the first', async (t) => {
    const h = tempHome(t);
    const a = h.manager();
    const b = h.manager();
    const s = await a.createSession({ id: 'wf-two', type: 'Workflow' });
    await a.getSession(s.id);
    await b.updateSession(s.id, { status: 'Running', metadata: { by: 'b' } });
    assert.equal((await a.getSession(s.id)).metadata.by, 'b');
    assert.equal((await a.listSessions()).sessions[0].status, 'Running');
    await a.updateSession(s.id, { metadata: { by: 'a' } });
    assert.equal((await b.getSession(s.id)).metadata.by, 'a');
  });
});

describe('same-size in-place rewrites (Prodigy writes non-atomically)', () => {
  it('getSession and listSessions see every same-length rewrite, immediately', async (t) => {
    const h = tempHome(t);
    const id = FIXTURE_WORKFLOW_ID;
    const base = makeSession(id);
    const file = h.writeSession({ ...base, workflow_data: { ...base.workflow_data, workflow_name: nameFor(0) } });
    const a = h.manager();
    const ino = fs.statSync(file).ino;
    const size = fs.statSync(file).size;
    for (let n = 1; n <= 40; n++) {
      assert.equal((await a.getSession(id)).workflow_data.workflow_name, nameFor(n - 1));
      assert.equal((await a.listSessions()).sessions[0].workflow_name, nameFor(n - 1));
      rewriteInPlace(file, pretty({ ...base, workflow_data: { ...base.workflow_data, workflow_name: nameFor(n) } }));
      const st = fs.statSync(file);
      assert.equal(st.ino, ino, 'same inode (in place)');
      assert.equal(st.size, size, 'same size');
      assert.equal((await a.getSession(id)).workflow_data.workflow_name, nameFor(n), `rewrite ${n} seen by getSession`);
      assert.equal((await a.listSessions()).sessions[0].workflow_name, nameFor(n), `rewrite ${n} seen by listSessions`);
    }
  });

  it('an update right after a same-length rewrite builds on the rewritten record', async (t) => {
    const h = tempHome(t);
    const a = h.manager();
    const s = await a.createSession({ id: 'wf-inplace', type: 'Workflow', workflowName: nameFor(1) });
    for (let n = 2; n <= 20; n++) {
      const current = h.readSessionText(s.id);
      rewriteInPlace(h.sessionFile(s.id), current.replace(`"${nameFor(n - 1)}"`, `"${nameFor(n)}"`));
      const next = await a.updateSession(s.id, { metadata: { n } });
      assert.equal(next.workflow_data.workflow_name, nameFor(n), `Prodigy's rewrite ${n} not lost`);
      assert.equal(h.readSessionJson(s.id).workflow_data.workflow_name, nameFor(n));
    }
  });

  // On file systems with coarse timestamps (1 s on HFS+/FAT/ext3/some NFS; a scheduler tick on
  // ext4 before Linux 6.13), a rewrite moments after our read can leave inode, size AND mtime
  // unchanged. Emulated here by pinning mtime to the current whole second; the core is told the
  // filesystem is coarse (it probes, and this machine's is not).
  async function coarseRewrite(t) {
    process.env.PRODIGY_COARSE_TIMESTAMPS = '1';
    t.after(() => delete process.env.PRODIGY_COARSE_TIMESTAMPS);
    const h = tempHome(t);
    const id = FIXTURE_WORKFLOW_ID;
    const base = makeSession(id);
    const file = h.writeSession({ ...base, workflow_data: { ...base.workflow_data, workflow_name: nameFor(1) } });
    const second = Math.floor(Date.now() / 1000);
    fs.utimesSync(file, second, second);
    const a = h.manager();
    assert.equal((await a.getSession(id)).workflow_data.workflow_name, nameFor(1));
    assert.equal((await a.listSessions()).sessions[0].workflow_name, nameFor(1));
    rewriteInPlace(file, pretty({ ...base, workflow_data: { ...base.workflow_data, workflow_name: nameFor(2) } }));
    fs.utimesSync(file, second, second);
    return { h, a, id };
  }

  it('a same-length rewrite within the timestamp granularity (mtime unchanged) is seen by getSession and listSessions', async (t) => {
    const { a, id } = await coarseRewrite(t);
    assert.equal(
      (await a.getSession(id)).workflow_data.workflow_name,
      nameFor(2),
      'getSession returned the cached, stale record',
    );
    assert.equal(
      (await a.listSessions()).sessions[0].workflow_name,
      nameFor(2),
      'listSessions returned the stale summary',
    );
  });

  it('a same-length rewrite within the timestamp granularity (mtime unchanged) is not lost by the next updateSession', async (t) => {
    const { h, a, id } = await coarseRewrite(t);
    const next = await a.updateSession(id, { metadata: { ours: true } });
    assert.equal(
      next.workflow_data.workflow_name,
      nameFor(2),
      "updateSession wrote the stale cached record over Prodigy's write",
    );
    assert.equal(h.readSessionJson(id).workflow_data.workflow_name, nameFor(2));
  });
});

describe('persisted session index (H/vscode/session-index.json)', () => {
  function seed(h, n = 3) {
    const ids = [];
    for (let i = 0; i < n; i++) {
      const id = `workflow-17369370001${String(i).padStart(2, '0')}`;
      h.writeSession(
        makeSession(id, {
          started_at: `2025-01-1${i}T10:00:00.123456789Z`,
          workflow_data: { ...makeSession(id).workflow_data, workflow_name: `name-${i}` },
        }),
      );
      ids.push(id);
    }
    return ids;
  }

  it('is written outside H/sessions and a fresh manager with it lists correctly', async (t) => {
    const h = tempHome(t);
    const ids = seed(h);
    const a = h.manager();
    const first = await a.listSessions();
    a.close();
    const indexFile = path.join(h.home, 'vscode', 'session-index.json');
    assert.ok(fs.existsSync(indexFile), 'index persisted on close');
    assert.deepEqual(
      JSON.parse(fs.readFileSync(indexFile, 'utf8'))
        .entries.map((e) => e[0])
        .sort(),
      ids.map((id) => `${id}.json`).sort(),
    );
    assert.deepEqual(
      fs.readdirSync(h.sessionsDir).sort(),
      ids.map((id) => `${id}.json`).sort(),
      'nothing of ours in H/sessions',
    );
    const b = h.manager();
    const second = await b.listSessions();
    assert.deepEqual(second, first);
    assert.deepEqual(
      second.sessions.map((s) => s.id),
      [...ids].reverse(),
    );
    for (const s of second.sessions) assert.equal(s.file, h.sessionFile(s.id));
  });

  it("a file changed, removed, added or broken behind the index's back is re-read by a fresh manager", async (t) => {
    const h = tempHome(t);
    const [id0, id1, id2] = seed(h);
    const a = h.manager();
    await a.listSessions();
    a.close();
    // Behind its back: one changed (different size), one removed, one added, one broken.
    const changed = h.readSessionJson(id0);
    changed.status = 'Completed';
    changed.completed_at = '2025-01-10T11:00:00Z';
    changed.workflow_data.workflow_name = 'renamed-behind-the-back';
    fs.writeFileSync(h.sessionFile(id0), pretty(changed));
    fs.rmSync(h.sessionFile(id1));
    h.writeSession(makeSession('workflow-1999999999999', { started_at: '2025-02-01T00:00:00Z' }));
    fs.writeFileSync(h.sessionFile(id2), h.readSessionText(id2).slice(0, 200));
    const b = h.manager();
    const listing = await b.listSessions();
    assert.deepEqual(
      listing.sessions.map((s) => s.id),
      ['workflow-1999999999999', id0],
    );
    const s0 = listing.sessions.find((s) => s.id === id0);
    assert.equal(s0.status, 'Completed');
    assert.equal(s0.workflow_name, 'renamed-behind-the-back');
    assert.deepEqual(
      listing.unreadable.map((u) => u.name),
      [`${id2}.json`],
    );
    assert.match(listing.unreadable[0].reason, /JSON/);
  });

  it('one long-lived manager sees files removed, replaced, added and reordered between its listings', async (t) => {
    const h = tempHome(t);
    const [id0, id1, id2] = seed(h, 3);
    const m = h.manager();
    assert.deepEqual(
      (await m.listSessions()).sessions.map((s) => s.id),
      [id2, id1, id0],
    );
    // One removed and one added: the count stays the same.
    fs.rmSync(h.sessionFile(id1));
    h.writeSession(makeSession('workflow-1999999999999', { started_at: '2025-01-05T00:00:00Z' }));
    assert.deepEqual(
      (await m.listSessions()).sessions.map((s) => s.id),
      [id2, id0, 'workflow-1999999999999'],
    );
    // The oldest becomes the newest (written in place, as prodigy does): the order follows.
    const moved = h.readSessionJson(id0);
    moved.started_at = '2025-03-01T00:00:00Z';
    fs.writeFileSync(h.sessionFile(id0), pretty(moved));
    const third = await m.listSessions();
    assert.deepEqual(
      third.sessions.map((s) => s.id),
      [id0, id2, 'workflow-1999999999999'],
    );
    // Nothing changed: the same listing again.
    assert.deepEqual(
      (await m.listSessions()).sessions.map((s) => s.id),
      third.sessions.map((s) => s.id),
    );
    fs.rmSync(h.sessionFile(id2));
    assert.deepEqual(
      (await m.listSessions()).sessions.map((s) => s.id),
      [id0, 'workflow-1999999999999'],
    );
    m.close();
  });

  it("a same-size in-place change behind the index's back is re-read by a fresh manager", async (t) => {
    const h = tempHome(t);
    const [id0] = seed(h, 1);
    const a = h.manager();
    await a.listSessions();
    a.close();
    const text = h.readSessionText(id0);
    rewriteInPlace(h.sessionFile(id0), text.replace('"name-0"', '"name-X"'));
    const b = h.manager();
    assert.equal((await b.listSessions()).sessions[0].workflow_name, 'name-X');
  });

  it('a damaged or foreign index file only costs a full read', async (t) => {
    const h = tempHome(t);
    const ids = seed(h);
    fs.mkdirSync(path.join(h.home, 'vscode'), { recursive: true });
    for (const junk of ['', '{"version": 1, "entr', '{"version": 99, "entries": {}}', '[1,2,3]']) {
      fs.writeFileSync(path.join(h.home, 'vscode', 'session-index.json'), junk);
      const m = h.manager();
      const listing = await m.listSessions();
      assert.deepEqual(
        listing.sessions.map((s) => s.id),
        [...ids].reverse(),
        `index ${JSON.stringify(junk)}`,
      );
      assert.deepEqual(listing.unreadable, []);
    }
  });

  it('an index copied from another home never points into that other home', async (t) => {
    const h1 = tempHome(t);
    const h2 = tempHome(t);
    seed(h1);
    const a = h1.manager();
    await a.listSessions();
    a.close();
    fs.cpSync(h1.home, h2.home, { recursive: true, preserveTimestamps: true });
    const listing = await h2.manager().listSessions();
    assert.equal(listing.sessions.length, 3);
    for (const s of listing.sessions) assert.equal(s.file, h2.sessionFile(s.id));
  });
});

it('fixture sanity: the running fixture is the record the helpers copy', () => {
  assert.equal(JSON.parse(fixtureText('unified-session.workflow.running.json')).id, FIXTURE_WORKFLOW_ID);
});
