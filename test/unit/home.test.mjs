// Home resolution: explicit option > PRODIGY_HOME > ~/.prodigy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { core, tempHome, makeSession } from './helpers/env.mjs';

const { resolveHome, SessionManager, HomePaths } = core;

describe('resolveHome', () => {
  it('an explicit home wins over PRODIGY_HOME', () => {
    assert.equal(
      resolveHome({ home: '/opt/explicit', env: { PRODIGY_HOME: '/opt/from-env' } }),
      path.resolve('/opt/explicit'),
    );
  });

  it('PRODIGY_HOME is used when there is no explicit home', () => {
    assert.equal(resolveHome({ env: { PRODIGY_HOME: '/opt/from-env' } }), path.resolve('/opt/from-env'));
    assert.equal(
      resolveHome({ home: undefined, env: { PRODIGY_HOME: '/opt/from-env' } }),
      path.resolve('/opt/from-env'),
    );
  });

  it('~/.prodigy when neither is set', () => {
    assert.equal(resolveHome({ env: {} }), path.join(os.homedir(), '.prodigy'));
  });

  it('empty or blank values count as unset (an empty setting must not mean the current folder)', () => {
    assert.equal(resolveHome({ home: '', env: { PRODIGY_HOME: '/opt/from-env' } }), path.resolve('/opt/from-env'));
    assert.equal(resolveHome({ home: '   ', env: { PRODIGY_HOME: '' } }), path.join(os.homedir(), '.prodigy'));
    assert.equal(resolveHome({ env: { PRODIGY_HOME: '  ' } }), path.join(os.homedir(), '.prodigy'));
  });

  it('expands ~ and resolves relative paths to absolute ones', () => {
    assert.equal(resolveHome({ home: '~', env: {} }), os.homedir());
    assert.equal(
      resolveHome({ home: '~/elsewhere/.prodigy', env: {} }),
      path.join(os.homedir(), 'elsewhere', '.prodigy'),
    );
    assert.equal(resolveHome({ env: { PRODIGY_HOME: '~/p' } }), path.join(os.homedir(), 'p'));
    assert.equal(resolveHome({ home: 'relative/home', env: {} }), path.resolve('relative/home'));
    assert.ok(path.isAbsolute(resolveHome({ home: 'x', env: {} })));
  });

  it('reads process.env when no env is given', () => {
    const saved = process.env.PRODIGY_HOME;
    try {
      process.env.PRODIGY_HOME = '/opt/process-env-home';
      assert.equal(resolveHome(), path.resolve('/opt/process-env-home'));
      assert.equal(resolveHome({ home: '/opt/explicit' }), path.resolve('/opt/explicit'));
    } finally {
      if (saved === undefined) delete process.env.PRODIGY_HOME;
      else process.env.PRODIGY_HOME = saved;
    }
  });
});

describe('SessionManager home', () => {
  it('uses the resolved home for every path', (t) => {
    const h = tempHome(t);
    const viaEnv = new SessionManager({ env: { PRODIGY_HOME: h.home } });
    const viaOption = new SessionManager({ home: h.home, env: { PRODIGY_HOME: '/nonexistent/other' } });
    for (const m of [viaEnv, viaOption]) {
      assert.equal(m.home, h.home);
      assert.equal(m.paths.sessionsDir, path.join(h.home, 'sessions'));
      assert.equal(m.paths.stateDir, path.join(h.home, 'state'));
      assert.equal(m.paths.indexFile, path.join(h.home, 'vscode', 'session-index.json'));
      assert.equal(m.paths.locksDir, path.join(h.home, 'vscode', 'locks'));
      assert.equal(m.paths.sessionFile('workflow-1'), path.join(h.home, 'sessions', 'workflow-1.json'));
      assert.equal(
        m.paths.workflowCheckpointsDir('workflow-1'),
        path.join(h.home, 'state', 'workflow-1', 'checkpoints'),
      );
    }
  });

  it('the env-resolved manager reads sessions from PRODIGY_HOME', async (t) => {
    const h = tempHome(t);
    h.writeSession(makeSession('workflow-1736937000123'));
    const m = new SessionManager({ env: { PRODIGY_HOME: h.home } });
    try {
      assert.deepEqual(
        (await m.listSessions()).sessions.map((s) => s.id),
        ['workflow-1736937000123'],
      );
    } finally {
      m.close();
    }
  });

  it('HomePaths refuses unsafe ids in every path it builds', () => {
    const p = new HomePaths('/h');
    for (const f of ['sessionFile', 'sessionLock', 'sessionStateDir', 'workflowCheckpointsDir', 'snapshotsDir']) {
      assert.throws(() => p[f]('../x'), core.InvalidIdError, f);
    }
    assert.throws(() => p.snapshotFile('ok', '../x'), core.InvalidIdError);
  });
});
