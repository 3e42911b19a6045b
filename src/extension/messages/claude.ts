// The messages of a session's Claude calls: a transcript that was never kept or is gone, and continuing its
// Claude Code session in a terminal.
import { openSettingAction, resumeAction, show } from './notify';

/** Show Claude Transcript on something that made no Claude call in streaming mode (or none yet). */
export function showNoTranscript(what: string): void {
  void show({
    level: 'info',
    text:
      `${what} has no Claude transcript: it made no Claude call with \`--output-format stream-json\` ` +
      '(print mode keeps none).',
    actions: [openSettingAction('prodigy.claude.streaming')],
  });
}

/** The kept stream a transcript is read from is no longer on disk. */
export function showTranscriptGone(what: string, file: string): void {
  void show({
    level: 'warning',
    text: `the Claude transcript of ${what} is gone: ${file} no longer exists (deleted or cleaned up).`,
  });
}

/** Continue in Claude Code on a session without a Claude Code session to resume. */
export function showNoClaudeSession(who: string): void {
  void show({
    level: 'info',
    text: `${who} has no Claude Code session to continue: its last Claude call printed no session id.`,
  });
}

/** The terminal running `claude --resume` is open: how to go on with the workflow afterwards. */
export function showContinuingInClaude(sessionId: string, who: string): void {
  void show({
    level: 'info',
    text:
      `continuing the Claude Code session of ${who} in a terminal. ` +
      'When you are done there, resume the workflow where it stopped.',
    actions: [resumeAction(sessionId)],
  });
}
