// Plain-text rendering for people; `--json` output never goes through here.
import { oneLine } from './terminalText';
export { plural, relativeTime, progressText as progress } from '../core/store';
export { oneLine } from './terminalText';

/** Columns padded to their widest cell; a cell is one line (a tab or newline in a name is shown escaped). */
export function table(headers: string[], raw: string[][]): string {
  const rows = raw.map((r) => r.map(oneLine));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
