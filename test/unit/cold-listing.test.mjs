// A new process's first page comes from the persisted index with only the shown rows checked
// against their files; the full check follows at once and reports every other change as an event.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { makeSession, pretty, settle, tempHome } from './helpers/env.mjs';

function seed(h, count) {
  for (let i = 0; i < count; i++) {
    const id = `workflow-17369370${String(10000 + i).padStart(5, '0')}`;
    h.writeSession(
      makeSession(id, { started_at: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(), status: 'Completed' }),
    );
  }
}
const idOf = (i) => `workflow-17369370${String(10000 + i).padStart(5, '0')}`;

describe('cold first page', () => {
  it('sees a change to a shown row at once, and reports a change to a row not shown as an event right after', async (t) => {
    const h = tempHome(t);
    seed(h, 30);
    const first = h.manager();
    await first.listSessions();
    first.close(); // persists the index

    // Another process changes the newest session (shown) and the oldest (not on the first page).
    const newest = idOf(29);
    const oldest = idOf(0);
    for (const [id, status] of [
      [newest, 'Failed'],
      [oldest, 'Cancelled'],
    ]) {
      const rec = h.readSessionJson(id);
      fs.writeFileSync(h.sessionFile(id), pretty({ ...rec, status, updated_at: new Date().toISOString() }) + '   ');
    }

    const m = h.manager();
    const events = [];
    m.onDidChange((c) => events.push(c));
    const page = await m.listSessions({ limit: 5 });
    assert.deepEqual(
      page.sessions.map((s) => s.id),
      [29, 28, 27, 26, 25].map(idOf),
    );
    assert.equal(page.total, 30);
    assert.equal(page.sessions[0].status, 'Failed', 'a shown row is checked against its file');
    await settle();
    const changed = events.filter((e) => e.kind === 'upsert' && e.external).map((e) => e.id);
    assert.ok(changed.includes(oldest), `the change beyond the page is reported: ${JSON.stringify(events)}`);
    assert.equal(events.find((e) => e.id === oldest).summary.status, 'Cancelled');
    assert.equal((await m.listSessions({ status: 'Cancelled' })).sessions[0].id, oldest);
  });

  it('a new and a removed file are seen by the first page', async (t) => {
    const h = tempHome(t);
    seed(h, 10);
    const first = h.manager();
    await first.listSessions();
    first.close();
    fs.rmSync(h.sessionFile(idOf(9)));
    h.writeSession(makeSession('workflow-1999999999999', { started_at: '2026-01-01T00:00:00Z' }));
    const page = await h.manager().listSessions({ limit: 3 });
    assert.deepEqual(
      page.sessions.map((s) => s.id),
      ['workflow-1999999999999', idOf(8), idOf(7)],
    );
    assert.equal(page.total, 10);
  });
});
