// The core's light facade: the names, constants and checks that load no schema, YAML or engine.
// The command line's start path (argument parsing and help: src/cli/main.ts) imports from here, so
// `prodigy-vscode help` starts in a few milliseconds; everything else imports from index.ts, which
// re-exports all of this. A test keeps this file's imports light (test/unit/cliStartup.test.mjs).
export { errorMessage, ProdigyError } from './errors';
export { compileFilter } from './expressions/filter';
export { SESSION_STATUSES } from './model/sessionStatus';
export { WORDING_ENV, setWording, wordingFromEnv } from './nextStep';
export { OUTCOME_KINDS, type OutcomeKind } from './sessions/outcome';
export { readRenderedListing } from './sessions/renderedListing';
export { isSafeId } from './storage/ids';
export { HomePaths, resolveHome } from './storage/paths';
export type { SessionStatus } from './model/session';
