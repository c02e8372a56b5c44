/**
 * npm run bench:s3: SiteVault against restic's S3 backend, on the test harness's S3 server
 * (Swift's s3api over https on loopback), with the requests each makes counted on the wire by
 * a proxy in front of the server: providers bill per request. A first backup and a
 * no-change backup of the same generated site. BENCH_SCALE (default 1), BENCH_DIR (default
 * /tmp/sitevault-bench-s3). Needs root and the test packages, like the tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHarness, stopHarness } from '../../tests/harness/harness';
import { startS3RequestCounter, type S3RequestCounts } from '../../tests/harness/s3-request-counter';
import { generateSite } from '../../tests/harness/site-generator';
import { measure, mb, saveRows, table, type Measurement, type Row } from './measure';

const scale = Number(process.env['BENCH_SCALE'] ?? 1);
const dir = process.env['BENCH_DIR'] ?? '/tmp/sitevault-bench-s3';
const cli = fileURLToPath(new URL('../../bin/sitevault.js', import.meta.url));
const KINDS = ['LIST', 'GET', 'HEAD', 'PUT', 'POST', 'DELETE'] as const;

function describeCounts(counts: S3RequestCounts & { total: number }): string {
  return `${counts.total} (${KINDS.filter((k) => counts[k])
    .map((k) => `${counts[k]} ${k}`)
    .join(', ')})`;
}

async function main(): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  console.log(`Generating the site (scale ${scale}) in ${dir} …`);
  const site = await generateSite(join(dir, 'site'), { seed: 'bench', scale, db: { host: '127.0.0.1', port: 3306, name: 'wp', user: 'wp', password: 'x' } });
  console.log(`${site.files.length} files, ${mb(site.totalBytes).toFixed(0)} MB`);
  const harness = await startHarness(['s3d']);
  const s3 = harness.s3d!;
  const counter = await startS3RequestCounter(s3);
  try {
    const run = randomBytes(4).toString('hex');
    const env = {
      ...process.env,
      SITEVAULT_HOME: join(dir, 'sitevault-home'),
      SITEVAULT_PASSPHRASE: 'bench passphrase',
      SITEVAULT_S3_ACCESS_KEY_ID: s3.accessKeyId,
      SITEVAULT_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      RESTIC_PASSWORD: 'bench passphrase',
      RESTIC_CACHE_DIR: join(dir, 'restic-cache'),
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    const svRepo = ['--repo', `s3://${s3.bucket}/bench-${run}/sitevault`, '--s3-endpoint', counter.endpoint, '--s3-region', s3.region, '--s3-path-style', '--ca', s3.caFile];
    const resticRepo = ['--cacert', s3.caFile, '-o', `s3.region=${s3.region}`, '-r', `s3:${counter.endpoint}/${s3.bucket}/bench-${run}/restic`];
    const sv = (...args: string[]) => measure(process.execPath, [cli, ...args, ...svRepo], env);
    const restic = (...args: string[]) => measure('restic', ['--quiet', ...resticRepo, ...args], env);
    await sv('init');
    await restic('init');

    const rows: Row[] = [];
    const requests: Array<[string, string, string]> = [];
    const counted = async (work: () => Promise<Measurement>) => {
      counter.reset();
      const measurement = await work();
      return { measurement, counts: counter.counts() };
    };
    const both = async (label: string) => {
      const ours = await counted(() => sv('backup', '--source', site.root, '--site', 'bench'));
      const theirs = await counted(() => restic('backup', site.root));
      rows.push({ scenario: `S3: ${label}`, ours: ours.measurement, theirs: theirs.measurement, baseline: 'restic backup (s3)', bytes: site.totalBytes, files: site.files.length });
      requests.push([label, describeCounts(ours.counts), describeCounts(theirs.counts)]);
      console.log(`${label}: SiteVault ${ours.measurement.seconds.toFixed(2)} s, ${ours.counts.total} requests; restic ${theirs.measurement.seconds.toFixed(2)} s, ${theirs.counts.total} requests`);
    };
    await both('first backup');
    await both('no-change backup');
    await both('second no-change backup');

    await saveRows(dir, 's3', rows);
    const requestTable = table(['S3 requests (counted by a proxy)', 'SiteVault', 'restic'], requests);
    await writeFile(join(dir, 's3-requests.md'), `${requestTable}\n`);
    console.log(`\n${requestTable}`);
  } finally {
    await counter.close();
    await stopHarness(harness);
  }
}

await main();
