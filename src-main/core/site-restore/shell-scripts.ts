import { remotePathWord, shellQuote } from '../sites/ssh-exec';

/**
 * Shell scripts that change a live site over SSH without following a symlink that whoever
 * runs as the web server swapped in while the restore runs. GNU tar, chmod, touch, rm and
 * mkdir all follow a symlink in the folders of a path they are given (and tar sets a folder's
 * delayed mode and time through one: checked with GNU tar 1.34), so nothing here names a path
 * with a slash in it:
 * - `at A B C` goes from the site's root (held open as fd 4) into each folder in turn, and
 *   after each step checks that `..` is the folder it came from: a step through a symlink
 *   lands elsewhere and stops the walk.
 * - Files are unpacked by tar into a private staging folder (0700, the login's own, checked
 *   empty), then moved into place with `mv -T`/`mv -t .` from the folder reached by `at`:
 *   rename(2) replaces a symlink in its way, never writes through it.
 * - Modes and times of a file whose content is already right are set on an open descriptor
 *   (`chmod /dev/fd/3`), after checking that the name is not a symlink and is that very file;
 *   a folder's are set from inside it (`chmod .`).
 * Each entry's outcome is one line, `ok N` or `no N REASON [message]`, by index: names never
 * come back from the server.
 */

/** Exit statuses: the root, or the staging folder, could not be entered safely (nothing was changed). */
export const ROOT_UNUSABLE = 90;
export const STAGING_UNUSABLE = 91;

export type Reason = 'path' | 'type' | 'open' | 'set' | 'move' | 'missing' | 'remove' | 'mkdir';

/** A relative path's folders and its last name: 'a/b/c' → { dirs: ['a', 'b'], name: 'c' }. */
export function splitPath(path: string): { dirs: string[]; name: string } {
  const parts = path.split('/');
  const name = parts.pop()!;
  return { dirs: parts, name };
}

const words = (values: readonly string[]) => values.map(shellQuote).join(' ');

function prelude(root: string): string {
  return `unset CDPATH
nl='
'
cd -P -- ${remotePathWord(root)} && exec 4<. || exit ${ROOT_UNUSABLE}
at() {
  cd -P /dev/fd/4 || return 1
  for c do
    case $c in ''|.|..|*/*) return 1 ;; esac
    { cd -P -- "$c" && [ .. -ef /dev/fd/6 ]; } 6<. || return 1
  done
}
setfile() {
  if ! { [ -f "$4" ] && [ ! -h "$4" ]; }; then echo "no $1 type"; return; fi
  r=open
  { r=type; [ ! -h "$4" ] && [ "$4" -ef /dev/fd/3 ] && r=set && touch -m -d "@$3" /dev/fd/3 && chmod -- "$2" /dev/fd/3 && r=ok; } 3<"$4"
  if [ "$r" = ok ]; then echo "ok $1"; else echo "no $1 $r"; fi
}
setdir() {
  if touch -m -d "@$3" . && chmod -- "$2" .; then echo "ok $1"; else echo "no $1 set"; fi
}
moved() {
  if [ -e "/dev/fd/5/$2" ] || [ -h "/dev/fd/5/$2" ]; then
    if err=$(mv -f -T -- "/dev/fd/5/$2" "$3" 2>&1); then echo "ok $1"; else err=\${err%%"$nl"*}; printf 'no %s move %s\\n' "$1" "\${err#mv: }"; fi
  else echo "ok $1"; fi
}
`;
}

export interface MetadataItem {
  path: string;
  type: 'file' | 'dir';
  mode: number;
  mtime: number;
}

const octalMode = (mode: number) => (mode & 0o7777).toString(8);
const seconds = (ms: number) => Math.floor(ms / 1000);

/** Sets modes and mtimes (item i's outcome is line `ok i` / `no i …`); a folder's from inside it. */
export function metadataScript(root: string, items: readonly MetadataItem[]): string {
  const lines = items.map((item, i) => {
    if (item.type === 'dir') return `if at ${words(item.path.split('/'))}; then setdir ${i} ${octalMode(item.mode)} ${seconds(item.mtime)}; else echo 'no ${i} path'; fi`;
    const { dirs, name } = splitPath(item.path);
    return `if at ${words(dirs)}; then setfile ${i} ${octalMode(item.mode)} ${seconds(item.mtime)} ${shellQuote(name)}; else echo 'no ${i} path'; fi`;
  });
  return `${prelude(root)}${lines.join('\n')}\n`;
}

/** Groups entries by their folder, in first-seen order: one walk and one command per folder. */
function byFolder<T extends { path: string }>(items: readonly T[]): Array<{ dirs: string[]; members: Array<T & { index: number; name: string }> }> {
  const groups = new Map<string, { dirs: string[]; members: Array<T & { index: number; name: string }> }>();
  items.forEach((item, index) => {
    const { dirs, name } = splitPath(item.path);
    const key = dirs.join('/');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { dirs, members: [] }));
    group.members.push({ ...item, index, name });
  });
  return [...groups.values()];
}

/** Names per command line: far below ARG_MAX even for the longest paths. */
const PER_COMMAND = 200;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += PER_COMMAND) out.push(items.slice(at, at + PER_COMMAND));
  return out;
}

/** Removes entries (folders with what is in them); rm never follows the names it is given. */
export function removeScript(root: string, paths: readonly string[]): string {
  const lines = byFolder(paths.map((path) => ({ path }))).map(({ dirs, members }) => {
    const removals = chunks(members).map((chunk) => `rm -rf -- ${words(chunk.map((m) => m.name))}`);
    const each = members.map((m) => `if [ -e ${shellQuote(m.name)} ] || [ -h ${shellQuote(m.name)} ]; then echo 'no ${m.index} remove'; else echo 'ok ${m.index}'; fi`);
    return [`if at ${words(dirs)}; then`, ...removals, ...each, 'else', ...members.map((m) => `echo 'no ${m.index} path'`), 'fi'].join('\n');
  });
  return `${prelude(root)}${lines.join('\n')}\n`;
}

/** Creates folders, parents first; one that exists as a real folder is fine. */
export function mkdirScript(root: string, paths: readonly string[]): string {
  const lines = paths.map((path, i) => {
    const { dirs, name } = splitPath(path);
    const q = shellQuote(name);
    return `if at ${words(dirs)}; then if mkdir -- ${q} 2>/dev/null || { [ -d ${q} ] && [ ! -h ${q} ]; }; then echo 'ok ${i}'; else echo 'no ${i} mkdir'; fi; else echo 'no ${i} path'; fi`;
  });
  return `${prelude(root)}${lines.join('\n')}\n`;
}

/**
 * The command that unpacks a tar stream into a new staging folder `staging` in the root:
 * made 0700, the login's own, a child of the root and empty, or nothing is unpacked.
 */
export function stagingTarCommand(root: string, staging: string): string {
  const script = [
    'unset CDPATH',
    `cd -P -- "$1" && exec 4<. || exit ${ROOT_UNUSABLE}`,
    `mkdir -m 700 -- "$2" || exit ${STAGING_UNUSABLE}`,
    `{ cd -P -- "$2" && [ .. -ef /dev/fd/4 ] && [ -O . ] && chmod 700 .; } || exit ${STAGING_UNUSABLE}`,
    `for f in .[!.]* ..?* *; do if [ -e "$f" ] || [ -h "$f" ]; then exit ${STAGING_UNUSABLE}; fi; done`,
    'exec tar -x -p -f - --no-same-owner',
  ].join('\n');
  return `sh -c ${shellQuote(script)} sh ${remotePathWord(root)} ${shellQuote(staging)}`;
}

/**
 * Moves unpacked entries from the staging folder into place (item i's outcome is `ok i` /
 * `no i …`), then removes the staging folder. Entries inside a folder moved whole are not listed.
 */
export function moveScript(root: string, staging: string, paths: readonly string[]): string {
  const groups = byFolder(paths.map((path) => ({ path }))).map(({ dirs, members }) => {
    const staged = (path: string) => `/dev/fd/5/${shellQuote(path)}`;
    const moves = chunks(members).flatMap((chunk) => [
      'set --',
      ...chunk.map((m) => `if [ -e ${staged(m.path)} ] || [ -h ${staged(m.path)} ]; then set -- "$@" ${staged(m.path)}; else echo 'no ${m.index} missing'; fi`),
      '[ $# -eq 0 ] || mv -f -t . -- "$@" 2>/dev/null',
    ]);
    const report = members.map((m) => `moved ${m.index} ${shellQuote(m.path)} ${shellQuote(m.name)}`);
    return [`if at ${words(dirs)}; then`, ...moves.map((l) => `  ${l}`), ...report.map((l) => `  ${l}`), 'else', ...members.map((m) => `  echo 'no ${m.index} path'`), 'fi'].join('\n');
  });
  const enter = `{ cd -P -- ${shellQuote(staging)} && [ .. -ef /dev/fd/4 ] && [ -O . ]; } && exec 5<. || exit ${STAGING_UNUSABLE}`;
  return `${prelude(root)}${enter}\n${groups.join('\n')}\ncd -P /dev/fd/4 && rm -rf -- ${shellQuote(staging)}\n`;
}

/** Removes a staging folder left by a failed unpack (rm removes a symlink put in its place, not what it points to). */
export function removeStagingScript(root: string, staging: string): string {
  return `${prelude(root)}rm -rf -- ${shellQuote(staging)}\n`;
}

export interface Outcome {
  ok: boolean;
  reason?: Reason;
  message?: string;
}

/** Reads `ok N` / `no N REASON [message]` lines; the first line for an index decides. */
export function parseOutcomes(stdout: string): Map<number, Outcome> {
  const outcomes = new Map<number, Outcome>();
  for (const line of stdout.split('\n')) {
    const match = /^(ok|no) (\d+)(?: (\w+)(?: (.*))?)?$/.exec(line);
    if (!match) continue;
    const index = Number(match[2]);
    if (outcomes.has(index)) continue;
    outcomes.set(index, match[1] === 'ok' ? { ok: true } : { ok: false, reason: match[3] as Reason, ...(match[4] ? { message: match[4] } : {}) });
  }
  return outcomes;
}

const REASONS: Record<Reason, string> = {
  path: 'a folder on its way is not a real folder any more (a symlink took its place, or it is gone): nothing was changed through it',
  type: 'it is not what the snapshot has any more (a symlink or something else took its place): its mode and time were not set',
  open: 'it cannot be opened to set its mode and time',
  set: 'its mode or time could not be set',
  move: 'it could not be put in place',
  missing: 'it was not unpacked on the server',
  remove: 'it could not be deleted',
  mkdir: 'the folder could not be created',
};

/** What the user is told about an entry that failed (mv's own words without the staging paths). */
export function describeOutcome(outcome: Outcome | undefined): string {
  if (!outcome) return 'the server did not report on it';
  const text = REASONS[outcome.reason ?? 'set'] ?? 'it could not be written';
  if (!outcome.message) return text;
  const cause = outcome.message.lastIndexOf(': ');
  return `${text}: ${(cause >= 0 ? outcome.message.slice(cause + 2) : outcome.message).replaceAll("'/dev/fd/5/", "'")}`;
}
