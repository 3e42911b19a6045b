// Section 2 in a process of its own (see benchUpdateLatency).
import { sendResult } from '../lib/child.mjs';
import { measureUpdateLatency } from '../updateLatency.mjs';

const config = JSON.parse(process.argv[2]);
sendResult(await measureUpdateLatency(config, (line) => console.log(line)));
