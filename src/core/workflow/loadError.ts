// The one error a workflow file can fail to load with. Its message is a single line a user can
// act on, `file:line:col: what is wrong` (or `file: what is wrong` when there is no position),
// the form editors and terminals turn into a link.
import { ProdigyError, oneLineText } from '../errors';

export class WorkflowLoadError extends ProdigyError {
  /** What is wrong, without the location: one printable line (parsers quote the file's text). */
  readonly reason: string;

  constructor(
    readonly file: string,
    reason: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    const text = oneLineText(reason);
    super(line !== undefined ? `${file}:${line}:${col ?? 1}: ${text}` : `${file}: ${text}`);
    this.reason = text;
  }
}
