// `sessions list --json` answered again from the listing it last printed while no session file has changed
// (the core's sessions/renderedListing.ts: a readdir and a stat of every file), by the CLI's entry, without loading
// the session core. The listing is kept by the build that printed it: another build (a changed JSON shape) renders
// anew.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HomePaths, readRenderedListing, resolveHome } from '../core/basics';
import { printBytes, type Io } from './io';

/** The build that renders listings (dist/cli-read.js, by size and time), or null when run from the sources. */
export function listingRenderKey(): string | null {
  try {
    const st = fs.statSync(path.join(__dirname, 'cli-read.js'));
    return `cli-read-${st.size}-${st.mtimeMs}`;
  } catch {
    return null;
  }
}

/** Is this the full listing as JSON, the one that is kept (no filter, no limit)? */
export function isKeptListing(opts: {
  json: boolean;
  status?: unknown;
  outcome?: unknown;
  notMerged?: boolean;
  limit?: number;
}): boolean {
  return (
    opts.json && opts.status === undefined && opts.outcome === undefined && !opts.notMerged && opts.limit === undefined
  );
}

/** Prints the kept full listing if no session file changed since it was printed; false if it must be made. */
export function printKeptListing(io: Io, home: string | undefined): boolean {
  const key = listingRenderKey();
  if (key === null) return false;
  const paths = new HomePaths(resolveHome({ home }));
  const listing = readRenderedListing(paths.renderedListingFile, paths.sessionsDir, key);
  if (listing === null) return false;
  printBytes(io, listing);
  return true;
}
