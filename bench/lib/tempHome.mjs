// Throw-away Prodigy homes on the same disk as a real one (os.tmpdir()), so fsync and
// rename cost what they cost in use. Removed on exit, even after a failure or Ctrl-C.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const homes = new Set();

export function makeTempHome(label) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `prodigy-bench-${label}-`));
  fs.mkdirSync(path.join(home, 'sessions'));
  homes.add(home);
  return home;
}

export function removeTempHome(home) {
  fs.rmSync(home, { recursive: true, force: true });
  homes.delete(home);
}

export function removeAllTempHomes() {
  for (const home of [...homes]) removeTempHome(home);
}

process.on('exit', removeAllTempHomes);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    removeAllTempHomes();
    process.exit(130);
  });
}
