// Section 6 in a process of its own, as a CLI run of a Claude step is: the sections before it leave the bench's
// process a heap of tens of thousands of sessions, and collecting it landed in the Claude step's rounds (they came
// out bimodal, ~30 or ~60 ms, in a full run; ~30 ms every round with `--only=claude`), not in the plain copy's.
import { benchClaude } from '../claude.mjs';
import { sendResult } from '../lib/child.mjs';

const config = JSON.parse(process.argv[2]);
sendResult(await benchClaude(config, (line) => console.log(line)));
