// Running the built CLI in tests: in process (`main(argv, io)`, output captured) or as a real process.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { DIST_CLI } from './env.mjs';

const cli = createRequire(import.meta.url)(DIST_CLI);

/** In process: the exit code and what the command printed. */
export async function runCli(argv) {
  const out = [];
  const err = [];
  const code = await cli.main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** As a real process, with no inherited Prodigy home or debug switch. */
export function spawnCli(args, env = {}) {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PRODIGY_HOME: '', PRODIGY_DEBUG: '', ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
