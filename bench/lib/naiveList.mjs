// The baseline a listing must beat: what a straightforward implementation does, read and
// validate every file on every listing. Kept as fast as that design allows (sync reads,
// which beat async ones for small cached files; sort keys computed once) so the ratio
// measures the design, not a strawman.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { internals } from './core.mjs';

export function naiveList(home) {
  const dir = path.join(home, 'sessions');
  const sessions = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const parsed = internals.UnifiedSession.safeParse(JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')));
    if (parsed.success) sessions.push({ session: parsed.data, at: Date.parse(parsed.data.started_at) });
  }
  // Newest first, ties by id: the order listSessions() promises.
  sessions.sort((a, b) => b.at - a.at || (a.session.id < b.session.id ? 1 : a.session.id > b.session.id ? -1 : 0));
  return sessions.map((s) => s.session);
}

/** A short fingerprint of an ordered listing, to check both sides return the same thing. */
export function fingerprint(ids) {
  return `${ids.length}:${ids.slice(0, 3).join(',')}…${ids.slice(-1)}`;
}
