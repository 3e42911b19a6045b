// Child process for regressions-locks.test.mjs: contends for a session's resume lock, or creates
// sessions, when its parent says so, so that several real processes do it at the same instant.
// Not a test file. Usage: node lockWorker.mjs '<json {home, id}>'; then one command per line on stdin:
//   try             → takes the resume lock of `id` in `home`: prints `got` or `refused <message>`
//   release         → lets it go: prints `released`
//   create H N      → creates N sessions in home H, one after another, with ids of its own choosing:
//                     prints `ids <json array>` or `error <message>`
//   bump ID         → adds 1 to metadata.counter of session ID in `home` (a locked read-modify-write):
//                     prints `bumped` or `error <message>`
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const core = require(path.resolve(here, '..', '..', '..', 'dist', 'test', 'core-internals.js'));

const args = JSON.parse(process.argv[2] ?? '{}');
const say = (line) => process.stdout.write(`${line.replace(/\n/g, ' ')}\n`);

let lock = null;
let manager = null;
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const [command, ...rest] = line.trim().split(' ');
  try {
    if (command === 'try') {
      lock = await core.acquireResumeLock(path.join(args.home, 'resume_locks'), args.id);
      say('got');
    } else if (command === 'release') {
      lock?.release();
      lock = null;
      say('released');
    } else if (command === 'bump') {
      manager ??= new core.SessionManager({ home: args.home });
      await manager.updateSession(rest[0], (s) => ({
        ...s,
        metadata: { ...s.metadata, counter: (s.metadata.counter ?? 0) + 1 },
      }));
      say('bumped');
    } else if (command === 'create') {
      const other = new core.SessionManager({ home: rest[0] });
      const ids = [];
      for (let i = 0; i < Number(rest[1]); i++) ids.push((await other.createSession({ type: 'Workflow' })).id);
      other.close();
      say(`ids ${JSON.stringify(ids)}`);
    }
  } catch (err) {
    say(`${command === 'try' ? 'refused' : 'error'} ${err?.message ?? err}`);
  }
});
say('ready');
