// One writer process of the throughput bench: M read-modify-write updates of one session,
// started together with the others through a barrier file.
import { core } from '../lib/core.mjs';
import { nowMs, sendReady, sendResult, waitForFile } from '../lib/child.mjs';

const [home, id, k, m, goFile] = process.argv.slice(2);
const count = Number(m);
const mine = `p${k}`;
// The brief's update: a shared counter plus this process's own, both read from the record.
const bump = (s) => ({
  ...s,
  metadata: { ...s.metadata, counter: (s.metadata.counter ?? 0) + 1, [mine]: (s.metadata[mine] ?? 0) + 1 },
});

const manager = new core.SessionManager({ home });
await manager.getSession(id); // load the schema and the record before the clock starts
sendReady();
await waitForFile(goFile);

const start = nowMs();
let done = 0;
const errors = [];
for (let j = 0; j < count; j++) {
  try {
    await manager.updateSession(id, bump);
    done++;
  } catch (err) {
    errors.push(`${err.code ?? ''} ${err.message}`.trim());
  }
}
const end = nowMs();
manager.close();
sendResult({ k: Number(k), start, end, done, errors: errors.length, firstErrors: errors.slice(0, 3) });
