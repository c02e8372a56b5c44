/**
 * npm run bench: every benchmark in one run, each scenario beside its baseline (rsync,
 * OpenSSH sftp, lftp, restic, tar), then one table of them all and the storage growth.
 * BENCH_SCALE (default 1) scales every data set; BENCH_ONLY=engine,sites,... picks scripts.
 * Needs root (the harness creates users) and the test packages. Results also land in
 * BENCH_DIR (default /tmp/sitevault-bench-all) as bench-results.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mb, rowsTable, table, type Row } from './measure';

const root = process.env['BENCH_DIR'] ?? '/tmp/sitevault-bench-all';
const SCRIPTS = ['engine', 'sites', 'restore', 'latency', 's3', 'growth'] as const;
const only = process.env['BENCH_ONLY']?.split(',') ?? SCRIPTS;
const here = fileURLToPath(new URL('.', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

interface Growth {
  days: number;
  snapshots: number;
  full: { ours: number; theirs: number };
  after: { ours: number; theirs: number };
}

async function main(): Promise<void> {
  await mkdir(root, { recursive: true });
  const rows: Row[] = [];
  let growth: Growth | null = null;
  let s3Requests: string | null = null;
  const started = Date.now();
  for (const name of SCRIPTS.filter((s) => only.includes(s))) {
    const dir = join(root, name);
    console.log(`\n=== bench: ${name} ===`);
    const result = spawnSync(tsx, [join(here, `${name}.ts`)], { stdio: 'inherit', env: { ...process.env, BENCH_DIR: dir } });
    if (result.status !== 0) throw new Error(`bench ${name} failed (exit ${result.status ?? result.signal})`);
    if (name === 'growth') growth = JSON.parse(await readFile(join(dir, 'growth.json'), 'utf8')) as Growth;
    else rows.push(...(JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as Row[]));
    if (name === 's3') s3Requests = (await readFile(join(dir, 's3-requests.md'), 'utf8')).trim();
  }
  const parts = [
    `SiteVault benchmarks, ${new Date().toISOString().slice(0, 10)}, BENCH_SCALE ${process.env['BENCH_SCALE'] ?? 1}, ${((Date.now() - started) / 60000).toFixed(1)} min in all.`,
    '',
    rowsTable(rows),
  ];
  if (s3Requests) parts.push('', s3Requests);
  if (growth) {
    const g = growth;
    parts.push(
      '',
      table(
        [`storage: ${g.days} days of 1% daily change + 6-hourly dumps (${g.snapshots} snapshots)`, 'one full backup MB', `after ${g.days} days MB`, 'growth / one full backup'],
        [
          ['SiteVault', mb(g.full.ours), mb(g.after.ours), (g.after.ours - g.full.ours) / g.full.ours],
          ['restic', mb(g.full.theirs), mb(g.after.theirs), (g.after.theirs - g.full.theirs) / g.full.theirs],
        ],
      ),
    );
  }
  const out = parts.join('\n');
  console.log(`\n${out}`);
  await writeFile(join(root, 'bench-results.md'), `${out}\n`);
}

await main();
