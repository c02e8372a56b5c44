import { spawn } from 'node:child_process';
import { appendFile, readdir, stat, utimes } from 'node:fs/promises';
import { peakRssMiB } from '../../tests/harness/processes';
import type { PlacedSite } from '../../tests/harness/site-placement';
import { join } from 'node:path';

export interface Measurement {
  seconds: number;
  peakRssMiB: number;
  stdout: string;
}

/** Runs a command to completion: wall time (process start included) and peak RSS from /proc. */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, peakRssMiB(child.pid!))), 20);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', () => (peak = Math.max(peak, peakRssMiB(child.pid!))));
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ seconds, peakRssMiB: peak, stdout });
    });
  });
}

export async function folderBytes(root: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name))).size;
  }
  return total;
}

export function mb(bytes: number): number {
  return bytes / 1e6;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? (Number.isInteger(cell) ? String(cell) : cell.toFixed(2)) : cell)));
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...cells.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** Edits 1% of a site's text files (every 100th, offset by `round`) and moves their mtimes on; returns the bytes edited. */
export async function editOnePercent(placed: Pick<PlacedSite, 'site' | 'diskPath'>, round: number): Promise<number> {
  let bytes = 0;
  for (const file of placed.site.files.filter((f) => f.kind === 'text').filter((_, i) => i % 100 === round % 100)) {
    await appendFile(join(placed.diskPath, file.path), `\n// edited ${round}\n`);
    const later = new Date(Date.now() + 120_000);
    await utimes(join(placed.diskPath, file.path), later, later);
    bytes += file.size;
  }
  return bytes;
}

/** One benchmark scenario: SiteVault and its baseline on the same data, in the same run. */
export interface Row {
  scenario: string;
  ours: Measurement;
  theirs: Measurement;
  baseline: string;
  bytes: number;
  files: number;
}

/** The columns every scenario is reported with, in the per-script tables and in `npm run bench`. */
export function rowsTable(rows: readonly Row[]): string {
  return table(
    ['scenario', 'SiteVault s', 'baseline s', 'ratio', 'baseline', 'SiteVault MB/s', 'SiteVault files/s', 'SiteVault peak RSS MiB', 'baseline peak RSS MiB'],
    rows.map((r) => [
      r.scenario,
      r.ours.seconds,
      r.theirs.seconds,
      r.ours.seconds / r.theirs.seconds,
      r.baseline,
      mb(r.bytes) / r.ours.seconds,
      Math.round(r.files / r.ours.seconds),
      Math.round(r.ours.peakRssMiB),
      Math.round(r.theirs.peakRssMiB),
    ]),
  );
}

export function printRows(rows: readonly Row[]): void {
  console.log(`\n${rowsTable(rows)}`);
}

/** Rows for `npm run bench` to gather, as `<name>.json` in the script's folder (stdout dropped). */
export async function saveRows(dir: string, name: string, rows: readonly Row[]): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const slim = rows.map((r) => ({ ...r, ours: { ...r.ours, stdout: '' }, theirs: { ...r.theirs, stdout: '' } }));
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(slim, null, 2)}\n`);
  await writeFile(join(dir, `${name}-results.md`), `${rowsTable(rows)}\n`);
}
