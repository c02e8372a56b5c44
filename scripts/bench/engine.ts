/**
 * npm run bench:engine: SiteVault against restic on the same generated site on local disk,
 * in the same run. BENCH_SCALE (default 1: ~25,000 files, ~1.3 GB), BENCH_DIR (default
 * /tmp/sitevault-bench). Prints seconds, MB/s, peak RSS, repository size and ratios.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDatabaseSql, generateSite } from '../../tests/harness/site-generator';
import { editOnePercent, folderBytes, mb, measure, saveRows, table, type Measurement, type Row } from './measure';

const scale = Number(process.env['BENCH_SCALE'] ?? 1);
const HEAP_CAP_MIB = 160;
const dir = process.env['BENCH_DIR'] ?? '/tmp/sitevault-bench';
const cli = fileURLToPath(new URL('../../bin/sitevault.js', import.meta.url));
const env = { ...process.env, SITEVAULT_PASSPHRASE: 'bench passphrase', RESTIC_PASSWORD: 'bench passphrase', RESTIC_CACHE_DIR: join(dir, 'restic-cache') };
const sv = (...args: string[]) => measure(process.execPath, [cli, ...args], env);
const restic = (...args: string[]) => measure('restic', ['--quiet', ...args], env);

async function main(): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  console.log(`Generating the site (scale ${scale}) in ${dir} …`);
  const site = await generateSite(join(dir, 'site'), { seed: 'bench', scale, db: { host: '127.0.0.1', port: 3306, name: 'wp', user: 'wp', password: 'x' } });
  const siteMB = mb(site.totalBytes);
  console.log(`${site.files.length} files, ${siteMB.toFixed(0)} MB`);

  const svRepo = join(dir, 'sv-repo');
  const resticRepo = join(dir, 'restic-repo');
  await sv('init', '--repo', svRepo);
  await restic('init', '--repo', resticRepo);

  const rows: Array<[string, Measurement, Measurement, number]> = [];
  const both = async (label: string, dataMB: number, a: () => Promise<Measurement>, b: () => Promise<Measurement>) => {
    const ours = await a();
    const theirs = await b();
    rows.push([label, ours, theirs, dataMB]);
    console.log(`${label}: SiteVault ${ours.seconds.toFixed(2)} s, restic ${theirs.seconds.toFixed(2)} s`);
  };

  await both(
    'first backup',
    siteMB,
    () => sv('backup', '--repo', svRepo, '--source', site.root, '--site', 'bench'),
    () => restic('backup', '--repo', resticRepo, site.root),
  );
  const svSizeFull = await folderBytes(svRepo);
  const resticSizeFull = await folderBytes(resticRepo);
  await both(
    'no-change backup',
    siteMB,
    () => sv('backup', '--repo', svRepo, '--source', site.root, '--site', 'bench'),
    () => restic('backup', '--repo', resticRepo, site.root),
  );
  const changed = await editOnePercent({ site, diskPath: site.root }, 0);
  await both(
    'backup after 1% change',
    mb(changed),
    () => sv('backup', '--repo', svRepo, '--source', site.root, '--site', 'bench'),
    () => restic('backup', '--repo', resticRepo, site.root),
  );
  await both(
    'restore',
    siteMB,
    () => sv('restore', '--repo', svRepo, 'latest', '--target', join(dir, 'sv-out')),
    () => restic('restore', '--repo', resticRepo, 'latest', '--target', join(dir, 'restic-out')),
  );
  await both(
    'check --read-data',
    mb(svSizeFull),
    () => sv('check', '--repo', svRepo, '--read-data'),
    () => restic('check', '--repo', resticRepo, '--read-data'),
  );

  // Dedup of database dumps: a ~200 MB SQL dump, then the same with 1% of its lines changed.
  const dumpDir = join(dir, 'dump');
  await mkdir(dumpDir, { recursive: true });
  const sql = generateDatabaseSql({ seed: 'bench-db', scale: 200 * scale });
  await writeFile(join(dumpDir, 'database.sql'), sql);
  const dumpRepo = join(dir, 'sv-dump-repo');
  await sv('init', '--repo', dumpRepo);
  const backupDump = async () => JSON.parse((await sv('backup', '--repo', dumpRepo, '--source', dumpDir, '--site', 'db', '--json')).stdout) as { bytes_added: number };
  const firstDump = await backupDump();
  const original = (await readFile(join(dumpDir, 'database.sql'), 'utf8')).split('\n');
  // Clustered: 1% of the lines as rows updated in 5 runs plus new rows appended (orders, posts).
  const clustered = [...original];
  const run = Math.floor(original.length / 100 / 10);
  for (let r = 0; r < 5; r++) {
    const start = Math.floor(((r + 1) * original.length) / 6);
    for (let i = start; i < start + run; i++) clustered[i] = `${clustered[i]} -- updated`;
  }
  for (let i = 0; i < run * 5; i++) clustered.push(`(${900000 + i}, 1, '2026-11-22 10:00:00', 'new order row ${i}', 'Order ${i}', 'publish', 'order-${i}', 'guid', 'shop_order'),`);
  await writeFile(join(dumpDir, 'database.sql'), clustered.join('\n'));
  const clusteredDump = await backupDump();
  // Scattered: every 100th line of the original edited. Every ~1 MiB chunk holds ~3,600 lines,
  // so each chunk sees dozens of edits: no chunking above ~100 lines can dedup this.
  const scattered = original.map((line, i) => (i % 100 === 0 ? `${line} -- changed` : line));
  await writeFile(join(dumpDir, 'database.sql'), scattered.join('\n'));
  const scatteredDump = await backupDump();

  // Memory with many files: 100,000 small files; peak RSS must stay far below their total size
  // times any per-file overhead that would mean holding contents.
  const many = join(dir, 'many');
  const manyCount = Math.round(100_000 * Math.min(1, scale));
  for (let d = 0; d < manyCount / 1000; d++) {
    await mkdir(join(many, `dir-${d}`), { recursive: true });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(join(many, `dir-${d}`, `file-${i}.txt`), `file ${d}/${i} `.repeat(50 + (i % 200)))));
  }
  const manyBytes = await folderBytes(many);
  const manyRepo = join(dir, 'sv-many-repo');
  await sv('init', '--repo', manyRepo);
  // Under a hard V8 heap cap: the run fails if memory grew with file contents.
  const capped = { ...env, NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}` };
  const manyRun = await measure(process.execPath, [cli, 'backup', '--repo', manyRepo, '--source', many, '--site', 'many'], capped);
  const manyAgain = await measure(process.execPath, [cli, 'backup', '--repo', manyRepo, '--source', many, '--site', 'many'], capped);

  const out = [
    `Site: ${site.files.length} files, ${siteMB.toFixed(0)} MB (scale ${scale}); 1% change touched ${Math.round(site.files.filter((f) => f.kind === 'text').length / 100)} files.`,
    '',
    table(
      ['scenario', 'SiteVault s', 'restic s', 'ratio (SV/restic)', 'SiteVault MB/s', 'SiteVault peak RSS MiB', 'restic peak RSS MiB'],
      rows.map(([label, a, b, dataMB]) => [label, a.seconds, b.seconds, a.seconds / b.seconds, dataMB / a.seconds, Math.round(a.peakRssMiB), Math.round(b.peakRssMiB)]),
    ),
    '',
    table(
      ['repository after first backup', 'MB', '% of site'],
      [
        ['SiteVault', mb(svSizeFull), (100 * svSizeFull) / site.totalBytes],
        ['restic', mb(resticSizeFull), (100 * resticSizeFull) / site.totalBytes],
      ],
    ),
    '',
    table(
      [`${manyCount} small files (${mb(manyBytes).toFixed(0)} MB), V8 heap capped at ${HEAP_CAP_MIB} MiB`, 'seconds', 'peak RSS MiB'],
      [
        ['first backup', manyRun.seconds, Math.round(manyRun.peakRssMiB)],
        ['no-change backup', manyAgain.seconds, Math.round(manyAgain.peakRssMiB)],
      ],
    ),
    '',
    table(
      [`database dump (${mb(sql.length).toFixed(0)} MB)`, 'stored MB', '% of the dump'],
      [
        ['first backup', mb(firstDump.bytes_added), (100 * firstDump.bytes_added) / sql.length],
        ['1% of lines changed, clustered (updates + appended rows)', mb(clusteredDump.bytes_added), (100 * clusteredDump.bytes_added) / sql.length],
        ['1% of lines changed, scattered (every 100th line)', mb(scatteredDump.bytes_added), (100 * scatteredDump.bytes_added) / sql.length],
      ],
    ),
  ].join('\n');
  console.log(`\n${out}`);
  await writeFile(join(dir, 'engine-results.md'), `${out}\n`);
  const files = site.files.length;
  await saveRows(dir, 'engine', [
    ...rows.map(([label, ours, theirs, dataMB]): Row => ({
      scenario: `local: ${label}`,
      ours,
      theirs,
      baseline: `restic ${label.split(' ')[0] === 'check' ? 'check --read-data' : label.includes('restore') ? 'restore' : 'backup'}`,
      bytes: dataMB * 1e6,
      files,
    })),
  ]);
}

await main();
