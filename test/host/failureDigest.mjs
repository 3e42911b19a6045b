// A node:test reporter that keeps only the failures, a few lines each: the test's name, its file and the first
// lines of what it threw. The unit and e2e layers run it beside the spec reporter
// (`--test-reporter=./test/host/failureDigest.mjs --test-reporter-destination=stdout`); it prints nothing and
// appends to the file PRODIGY_TEST_DIGEST names (no file, no digest). `npm test` sets it per layer and prints the
// digests after its summary, so the end of a CI log says what failed and why.
import fs from 'node:fs';
import path from 'node:path';

const MESSAGE_LINES = 12;
const LINE_WIDTH = 300;

/** What a failure threw: node wraps a test's own error in one whose `cause` it is. */
function messageOf(error) {
  const inner = error?.cause ?? error;
  const text = inner instanceof Error ? inner.message : String(inner);
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(0, MESSAGE_LINES)
    .map((l) => (l.length > LINE_WIDTH ? `${l.slice(0, LINE_WIDTH)}…` : l));
}

export default async function* failureDigest(source) {
  const digest = process.env.PRODIGY_TEST_DIGEST;
  for await (const event of source) {
    if (!digest || event.type !== 'test:fail') continue;
    const { name, file, details } = event.data;
    // A file's own failure (its process failed) repeats its tests' ones; a suite's too.
    if (details?.type === 'suite') continue;
    const where = file ? ` (${path.relative(process.cwd(), file)})` : '';
    const lines = messageOf(details?.error).map((l) => `    ${l}`);
    fs.mkdirSync(path.dirname(digest), { recursive: true });
    fs.appendFileSync(digest, `✖ ${name}${where}\n${lines.join('\n')}\n`);
  }
  yield* [];
}
