// One listing in a fresh process: `naive` (read everything), `ours` (listSessions()).
// Whether the persisted index exists is the parent's business; this only times the call.
import { core } from '../lib/core.mjs';
import { fingerprint, naiveList } from '../lib/naiveList.mjs';
import { sendResult } from '../lib/child.mjs';

const [mode, home] = process.argv.slice(2);
let ids;
let manager;
const start = performance.now();
if (mode === 'naive') {
  ids = naiveList(home).map((s) => s.id);
} else {
  manager = new core.SessionManager({ home });
  ids = (await manager.listSessions()).sessions.map((s) => s.id);
}
const elapsed = performance.now() - start;
// Outside the timing: write the index (only if this listing had to build it).
manager?.close();
sendResult({ ms: elapsed, fingerprint: fingerprint(ids) });
