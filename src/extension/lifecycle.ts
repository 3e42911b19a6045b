// The base of long-lived objects (after vscode-pull-request-github's src/common/lifecycle.ts): whatever an
// object creates or subscribes to goes through `_register`, and one `dispose()` releases all of it.
import type * as vscode from 'vscode';

export function toDisposable(dispose: () => void): vscode.Disposable {
  return { dispose };
}

export abstract class Disposable implements vscode.Disposable {
  private readonly registered: vscode.Disposable[] = [];
  private disposed = false;

  /** Releases everything registered, newest first: a listener goes before the emitter it listens to. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const d of this.registered.splice(0).reverse()) {
      try {
        d.dispose();
      } catch (err) {
        // One failure must not keep the rest alive; it is still reported.
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /** Ties `value` to this object's lifetime (released at once if this object is already disposed). */
  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.registered.push(value);
    return value;
  }
}

/** Holds at most one disposable: setting a new value releases the old one (per-home watchers, for instance). */
export class MutableDisposable implements vscode.Disposable {
  private current: vscode.Disposable | undefined;

  get value(): vscode.Disposable | undefined {
    return this.current;
  }

  set value(next: vscode.Disposable | undefined) {
    if (next === this.current) return;
    this.current?.dispose();
    this.current = next;
  }

  dispose(): void {
    this.value = undefined;
  }
}
