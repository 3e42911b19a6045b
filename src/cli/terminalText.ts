// Text for a terminal. What the CLI prints comes largely from files anyone can write (a workflow's name, a
// step's output and errors, session files, file names), and a terminal obeys the control characters in it:
// `\e]0;…\a` retitles the window, `\e[2J` clears the screen, a bare `\r` or a bidi override makes a line read
// as something else. Every line printed for people goes through `terminalSafe` (main.ts), so they are shown
// escaped (`\x1b`), never obeyed. JSON output keeps the values exact: JSON escapes them (`jsonText`).

// C0 controls but tab and newline, DEL, C1 controls (8-bit CSI, OSC…), the line and paragraph separators, and the
// bidi embeddings, overrides and isolates (which reorder what follows them on screen).
// eslint-disable-next-line no-control-regex -- matching control characters is this file's purpose
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, and tab and newline: a value that must stay on its line (a table cell, a name).
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// Outside the characters JSON.stringify escapes itself; they can only occur inside JSON strings.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function escaped(c: string): string {
  const code = c.charCodeAt(0);
  return (
    NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  );
}

/** Lines for people: tabs and line breaks stay (multi-line text a step printed), every other control is shown escaped. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/** One value on one line: also its tabs and line breaks are shown escaped, so it cannot shift a table or add a row. */
export function oneLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, escaped);
}

/** JSON as printed: the same value, with the controls JSON.stringify leaves raw (DEL, C1, bidi) as `\u` escapes. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    UNSAFE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
