/**
 * npm run bench:growth: storage after 30 simulated days of a site's life, against restic
 * doing the same in the same run. Each day 1% of the text files change and the files are
 * backed up; every 6 hours the database changes (1% of its rows, in runs, plus new rows) and
 * a database-only snapshot is taken. Reported against the size of one full backup. Local disk;
 * the site is a quarter of the full bench site (BENCH_SCALE multiplies it).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDatabaseSql, generateSite } from '../../tests/harness/site-generator';
import { editOnePercent, folderBytes, mb, measure, table, type Measurement } from './measure';

const scale = 0.25 * Number(process.env['BENCH_SCALE'] ?? 1);
const DAYS = Number(process.env['BENCH_DAYS'] ?? 30);
const dir = process.env['BENCH_DIR'] ?? '/tmp/sitevault-bench-growth';
const cli = fileURLToPath(new URL('../../bin/sitevault.js', import.meta.url));
const env = { ...process.env, SITEVAULT_PASSPHRASE: 'bench passphrase', RESTIC_PASSWORD: 'bench passphrase', RESTIC_CACHE_DIR: join(dir, 'restic-cache') };

/** A day in the shop: rows updated in a few runs, new orders appended. */
function changeDatabase(lines: string[], round: number): string[] {
  const out = [...lines];
  const run = Math.max(1, Math.floor(lines.length / 100 / 5));
  for (let r = 0; r < 5; r++) {
    const start = Math.floor((((r * 7 + round) % 30) + 1) * (lines.length / 32));
    for (let i = start; i < start + run && i < out.length; i++) out[i] = `${out[i]} -- updated ${round}`;
  }
  for (let i = 0; i < run; i++) out.push(`(${1_000_000 + round * run + i}, 1, '2026-11-22 10:00:00', 'order row ${round}/${i}', 'Order', 'publish', 'order-${round}-${i}', 'guid', 'shop_order'),`);
  return out;
}

async function main(): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const site = await generateSite(join(dir, 'site'), { seed: 'bench', scale, db: { host: '127.0.0.1', port: 3306, name: 'wp', user: 'wp', password: 'x' } });
  const dumpDir = join(dir, 'dump');
  await mkdir(dumpDir);
  let dump = generateDatabaseSql({ seed: 'bench-db', scale: 200 * scale }).split('\n');
  await writeFile(join(dumpDir, 'database.sql'), dump.join('\n'));
  console.log(`${site.files.length} files, ${mb(site.totalBytes).toFixed(0)} MB; a ${mb(dump.join('\n').length).toFixed(0)} MB dump; ${DAYS} days`);

  const svRepo = join(dir, 'sv-repo');
  const resticRepo = join(dir, 'restic-repo');
  await measure(process.execPath, [cli, 'init', '--repo', svRepo], env);
  await measure('restic', ['--quiet', 'init', '--repo', resticRepo], env);
  const time = { ours: 0, theirs: 0 };
  const both = async (source: string, tag: string) => {
    const ours: Measurement = await measure(process.execPath, [cli, 'backup', '--repo', svRepo, '--source', source, '--site', tag], env);
    const theirs: Measurement = await measure('restic', ['--quiet', 'backup', '--repo', resticRepo, '--tag', tag, source], env);
    time.ours += ours.seconds;
    time.theirs += theirs.seconds;
  };

  await both(site.root, 'files');
  await both(dumpDir, 'db');
  const full = { ours: await folderBytes(svRepo), theirs: await folderBytes(resticRepo) };
  for (let day = 1; day <= DAYS; day++) {
    await editOnePercent({ site, diskPath: site.root }, day);
    await both(site.root, 'files');
    for (let quarter = 0; quarter < 4; quarter++) {
      dump = changeDatabase(dump, day * 4 + quarter);
      await writeFile(join(dumpDir, 'database.sql'), dump.join('\n'));
      await both(dumpDir, 'db');
    }
    if (day % 5 === 0) console.log(`day ${day}: SiteVault ${mb(await folderBytes(svRepo)).toFixed(1)} MB, restic ${mb(await folderBytes(resticRepo)).toFixed(1)} MB`);
  }
  const after = { ours: await folderBytes(svRepo), theirs: await folderBytes(resticRepo) };
  const snapshots = 2 + DAYS * 5;
  const out = table(
    [`${DAYS} days: 1% of files daily, the database every 6 h (${snapshots} snapshots)`, 'first full backup MB', `after ${DAYS} days MB`, 'growth MB', 'growth / one full backup', 'backup time s (all runs)'],
    [
      ['SiteVault', mb(full.ours), mb(after.ours), mb(after.ours - full.ours), (after.ours - full.ours) / full.ours, time.ours],
      ['restic', mb(full.theirs), mb(after.theirs), mb(after.theirs - full.theirs), (after.theirs - full.theirs) / full.theirs, time.theirs],
    ],
  );
  console.log(`\n${out}`);
  await writeFile(join(dir, 'growth-results.md'), `${out}\n`);
  await writeFile(join(dir, 'growth.json'), `${JSON.stringify({ days: DAYS, snapshots, full, after, time, siteBytes: site.totalBytes, dumpBytes: (await readFile(join(dumpDir, 'database.sql'))).length })}\n`);
}

await main();
