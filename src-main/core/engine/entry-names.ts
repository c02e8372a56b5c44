import { parentPath, type SourceEntry, type Warning } from './source';

/** A path as a person can read it in a warning: control characters escaped, never raw. */
export function printablePath(path: string): string {
  return JSON.stringify(path).slice(1, -1);
}

function problemWith(component: string): string | null {
  if (component === '' || component === '.' || component === '..') return `the server listed an impossible name (${JSON.stringify(component)})`;
  if (component.includes('\0')) return 'the name holds a NUL byte';
  // Sources decode names as UTF-8; bytes that are not UTF-8 (a Latin-1 name, say) arrive as U+FFFD.
  if (component.includes('\uFFFD')) return 'the name is not valid UTF-8 on the server (an old Latin-1 name?); rename it there to back it up';
  return null;
}

/**
 * Keeps what a snapshot can hold faithfully and restore safely: every component a real name,
 * every entry inside a folder that was itself kept. What a server lists that breaks those
 * rules (a `..` or a slash slipped in through a line break in a listing, bytes that are not
 * UTF-8) is skipped with a warning naming it, and so is everything under a skipped folder.
 */
export function screenEntries(entries: readonly SourceEntry[], warnings: Warning[]): SourceEntry[] {
  const byDepth = [...entries].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  const keptDirs = new Set<string>(['']);
  const skippedDirs = new Set<string>();
  const kept = new Set<SourceEntry>();
  for (const entry of byDepth) {
    const parent = parentPath(entry.path);
    if (skippedDirs.has(parent)) {
      if (entry.type === 'dir') skippedDirs.add(entry.path);
      continue;
    }
    const problem =
      entry.path
        .split('/')
        .map(problemWith)
        .find((p) => p !== null) ?? (keptDirs.has(parent) ? null : 'the server listed a name that holds a slash');
    if (problem) {
      warnings.push({ path: printablePath(entry.path), message: `skipped: ${problem}` });
      if (entry.type === 'dir') skippedDirs.add(entry.path);
      continue;
    }
    if (entry.type === 'dir') keptDirs.add(entry.path);
    kept.add(entry);
  }
  return entries.filter((e) => kept.has(e));
}
