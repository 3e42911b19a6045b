// A writer that exits as soon as its update has resolved, the way the CLI ends
// (`main().then((code) => process.exit(code))`).
import { core } from '../lib/core.mjs';

const [home, id] = process.argv.slice(2);
const manager = new core.SessionManager({ home });
await manager.updateSession(id, { metadata: { written_by_exiting_process: true } });
manager.close();
process.exit(0);
