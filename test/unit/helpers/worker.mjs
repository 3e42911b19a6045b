// Child process used by the cross-process, concurrency and crash tests. Not a test file.
// Usage: node worker.mjs '<json {mode, home, ...}>'
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as readline from 'node:readline';

const require = createRequire(import.meta.url);
const core = require(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'core.js'));

const args = JSON.parse(process.argv[2] ?? '{}');

function waitForGo() {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (line.trim() === 'go') {
        rl.close();
        resolve();
      }
    });
  });
}

async function main() {
  const m = new core.SessionManager({ home: args.home });
  switch (args.mode) {
    case 'update': {
      const s = await m.updateSession(args.id, args.patch);
      process.stdout.write(`${JSON.stringify(s)}\n`);
      break;
    }
    case 'create': {
      const s = await m.createSession({ id: args.id, type: args.type ?? 'Workflow', workflowName: args.workflowName });
      process.stdout.write(`${JSON.stringify(s)}\n`);
      break;
    }
    case 'increment': {
      // Each increment is a read-modify-write of the whole record: a lost update shows as a short count.
      process.stdout.write('ready\n');
      await waitForGo();
      for (let i = 0; i < args.n; i++) {
        await m.updateSession(args.id, (s) => ({
          ...s,
          metadata: {
            ...s.metadata,
            counter: (s.metadata.counter ?? 0) + 1,
            [args.key]: (s.metadata[args.key] ?? 0) + 1,
          },
        }));
      }
      process.stdout.write('done\n');
      break;
    }
    case 'storm': {
      // Writes as fast as it can until killed: updates of varying size, status flips, checkpoints.
      let i = 0;
      let announced = false;
      for (;;) {
        const id = args.ids[i % args.ids.length];
        if (i % 7 === 3) {
          await m.createCheckpoint(id, { step_index: i, label: `storm ${process.pid}` });
        } else {
          await m.updateSession(id, (s) => ({
            ...s,
            status: i % 5 === 0 ? (s.status === 'Running' ? 'Paused' : 'Running') : s.status,
            metadata: {
              ...s.metadata,
              counter: (s.metadata.counter ?? 0) + 1,
              pad: 'x'.repeat(Math.floor(Math.random() * 6000)),
              writer: process.pid,
            },
          }));
        }
        i++;
        if (!announced) {
          announced = true;
          process.stdout.write('ready\n');
        }
      }
    }
    default:
      throw new Error(`unknown mode ${args.mode}`);
  }
  m.close();
}

main().then(
  () => setImmediate(() => process.exit(0)),
  (err) => {
    process.stderr.write(`worker error: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
