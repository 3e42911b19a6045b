// STUB: being implemented.
import { ProdigyError } from '../errors';
import type { Workflow } from './model';
export class WorkflowLoadError extends ProdigyError {}
export function loadWorkflowFile(file: string): Workflow {
  throw new WorkflowLoadError(`${file}: not implemented`);
}
export function loadWorkflowText(text: string, file: string): Workflow {
  throw new WorkflowLoadError(`${file}: not implemented ${text.length}`);
}
