// The one error a workflow file can fail to load with. Its message is a single line a user can
// act on, `file:line:col: what is wrong` (or `file: what is wrong` when there is no position),
// the form editors and terminals turn into a link.
import { ProdigyError } from '../errors';

export class WorkflowLoadError extends ProdigyError {
  constructor(
    readonly file: string,
    /** What is wrong, without the location. */
    readonly reason: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(line !== undefined ? `${file}:${line}:${col ?? 1}: ${reason}` : `${file}: ${reason}`);
  }
}
