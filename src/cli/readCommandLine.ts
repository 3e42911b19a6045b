// The command runner for the commands that only read the home (`runner: 'read'` in commandTable.ts): the same
// code as runCommandLine.ts, built by esbuild.mjs as dist/cli-read.js with only those commands' bodies, so
// `sessions list` loads a fraction of what `run` does.
export { runCommandLine, takeWordingFromEnv } from './runCommandLine';
