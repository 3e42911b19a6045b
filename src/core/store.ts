// The core's session-store facade: session records, their listing and summaries, and what a command needs to report
// on them, without the workflow loader, YAML, the steps or the engine. The command line's reading commands
// (`sessions list`) and its command runner import from here, so listing sessions loads no engine; everything
// else imports from index.ts, which re-exports all of this. test/unit/cliStartup.test.mjs keeps it light.
export * from './basics';
export { countUnimported } from './migration/migrate';
export { formatCost } from './claude/format';
export { NOT_MERGED } from './sessions/outcome';
export { plural, progressText, relativeTime } from './sessions/describe';
export { statusFromFiles } from './sessions/liveness';
export { SessionManager } from './sessions/sessionManager';
export type { SessionSummary } from './sessions/summary';
