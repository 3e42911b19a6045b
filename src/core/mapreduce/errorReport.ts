// `error_collection` for a MapReduce job (Prodigy's error-collection chapter): when the session log reports
// failed items. immediate: each as it fails; batched:N: N at a time; aggregate (the default): all of them when
// the map phase ends. Only the log's wording moves: the job state, the dead-letter queue and each item's
// event (the tree, the CLI's progress) are written as the item fails, in every mode.
import type { ErrorCollection } from '../workflow/model';

export class ErrorReport {
  private held: string[] = [];

  constructor(
    private readonly mode: ErrorCollection,
    private readonly warn: (text: string) => void,
  ) {}

  /** A failed item's line. */
  add(line: string): void {
    if (this.mode.mode === 'immediate') return this.warn(line);
    this.held.push(line);
    if (this.mode.mode === 'batched' && this.held.length >= this.mode.size) this.flush();
  }

  /** Reports what is held (at the end of the map phase, or when it stops). */
  flush(): void {
    if (!this.held.length) return;
    const lines = this.held;
    this.held = [];
    this.warn(
      lines.length === 1
        ? lines[0]
        : `${lines.length} items failed (error_collection: ${this.label()}):\n${lines.map((l) => `  - ${l}`).join('\n')}`,
    );
  }

  private label(): string {
    return this.mode.mode === 'batched' ? `batched:${this.mode.size}` : this.mode.mode;
  }
}
