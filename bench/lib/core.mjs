// The bench measures the built bundle (`npm run build` → dist/core.js), the same code the
// CLI and the extension ship, not the TypeScript sources.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const core = require('../../dist/core.js');
/** Internals the bench's baselines need (the session schema, the home's paths): the test entry point. */
export const internals = require('../../dist/test/core-internals.js');
