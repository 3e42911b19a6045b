// The Prodigy home the window shows (`prodigy.home` > $PRODIGY_HOME > ~/.prodigy). A ProdigyHome owns what
// belongs to one home: its SessionManager and the watcher on its sessions folder. ProdigyHomes holds the
// current one and is the single place that reacts to the setting: it disposes the old home, builds the next
// and says so (`onDidChangeHome`). The objects that outlive a home (the tree, the status bar, the log
// documents, the commands) read `homes.current` when they act and listen to these events.
import * as vscode from 'vscode';
import { errorMessage, SessionManager, type SessionChange } from '../core';
import { readSettings, SECTION } from './config';
import { Disposable, toDisposable } from './lifecycle';
import { watchSessionsFolder } from './sessionsWatcher';

export class ProdigyHome extends Disposable {
  readonly manager: SessionManager;
  private readonly changed = this._register(new vscode.EventEmitter<SessionChange>());
  /** Records of this home changed: this window's writes, and other processes' writes found by a rescan. */
  readonly onDidChangeSessions = this.changed.event;

  constructor(
    /** The `prodigy.home` setting this home was built for (undefined: $PRODIGY_HOME, else ~/.prodigy). */
    readonly setting: string | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.manager = new SessionManager({ home: setting });
    // close() only persists the listing index: a run still going on this home keeps the manager it
    // started with and finishes here, as it did before homes were objects.
    this._register(toDisposable(() => this.manager.close()));
    this._register(toDisposable(this.manager.onDidChange((change) => this.changed.fire(change))));
    this._register(watchSessionsFolder(this.manager.paths.sessionsDir, () => this.rescan()));
  }

  /** The resolved folder. */
  get folder(): string {
    return this.manager.home;
  }

  /** Asks the core to rescan the sessions folder; what changed comes back as `onDidChangeSessions`. */
  private rescan(): void {
    void this.manager.listSessions({ limit: 0 }).catch((err) => this.log.error(`Rescan failed: ${errorMessage(err)}`));
  }
}

export class ProdigyHomes extends Disposable {
  private home: ProdigyHome;
  private readonly homeChanged = this._register(new vscode.EventEmitter<ProdigyHome>());
  /** The old home is already disposed when this fires. */
  readonly onDidChangeHome = this.homeChanged.event;
  private readonly sessionsChanged = this._register(new vscode.EventEmitter<SessionChange>());
  /** The current home's `onDidChangeSessions`: one subscription follows every home. */
  readonly onDidChangeSessions = this.sessionsChanged.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    this.home = this.open(readSettings().home);
    this._register(toDisposable(() => this.home.dispose()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.follow(readSettings().home);
      }),
    );
  }

  get current(): ProdigyHome {
    return this.home;
  }

  private open(setting: string | undefined): ProdigyHome {
    const home = new ProdigyHome(setting, this.log);
    // Not kept: the home disposes its emitter, and this listener with it.
    home.onDidChangeSessions((change) => this.sessionsChanged.fire(change));
    return home;
  }

  private follow(setting: string | undefined): void {
    if (setting === this.home.setting) return;
    this.home.dispose();
    this.home = this.open(setting);
    this.log.info(`Prodigy home is now ${this.home.folder}`);
    this.homeChanged.fire(this.home);
  }
}
