// Calls a function at most once per interval however often it is asked to: the first ask runs at once, asks
// within the interval are folded into one run at its end. A Claude stream can report many lines a second;
// the tree and the status bar need to follow it, not to re-render on each line.
import type * as vscode from 'vscode';

export class Throttle implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly fn: () => void,
  ) {}

  /** Runs `fn` now if it has not run within the interval, else once when the interval ends. */
  schedule(): void {
    if (this.timer) return;
    const wait = this.last + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.last = performance.now();
    this.fn();
  }
}
