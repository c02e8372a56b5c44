import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHarnessInfo } from '../../harness/harness';
import { rootSql, type MariadbInfo } from '../../harness/mariadb';
import { generateDatabaseSql, generateSite, phpSerializeString } from '../../harness/site-generator';

let db: MariadbInfo;
let scratch: string;
beforeAll(async () => {
  const info = await loadHarnessInfo();
  if (!info.mariadb) throw new Error('harness started without MariaDB');
  db = info.mariadb;
  scratch = await mkdtemp(join(tmpdir(), 'sv-sitegen-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function treeDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        const info = await stat(full);
        hash.update(`${relative(root, full)}\0${info.size}\0${Math.floor(info.mtimeMs / 1000)}\0`);
        hash.update(await readFile(full));
      }
    }
  };
  await walk(root);
  return hash.digest('hex');
}

describe('WordPress-like site generator', () => {
  const dbTarget = () => ({ host: db.host, port: db.port, name: db.wp.database, user: db.wp.user, password: db.wp.password });

  it('is deterministic: same seed and scale give identical trees, another seed does not', async () => {
    const a = await generateSite(join(scratch, 'a'), { seed: 's1', scale: 0.005, db: dbTarget() });
    const b = await generateSite(join(scratch, 'b'), { seed: 's1', scale: 0.005, db: dbTarget() });
    const c = await generateSite(join(scratch, 'c'), { seed: 's2', scale: 0.005, db: dbTarget() });
    expect(a.files.length).toBe(b.files.length);
    expect(await treeDigest(a.root)).toBe(await treeDigest(b.root));
    expect(await treeDigest(a.root)).not.toBe(await treeDigest(c.root));
  });

  it('lays out core, themes, plugins, uploads, caches and a wp-config.php pointing at the test database', async () => {
    const site = await generateSite(join(scratch, 'layout'), { seed: 'layout', scale: 0.01, db: dbTarget() });
    const paths = site.files.map((file) => file.path);
    for (const prefix of ['wp-admin/', 'wp-includes/', 'wp-content/themes/', 'wp-content/plugins/', 'wp-content/uploads/', 'wp-content/cache/', 'wp-content/updraft/']) {
      expect(
        paths.some((path) => path.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    expect(site.files.filter((file) => file.kind === 'media').length).toBeGreaterThan(20);
    expect(site.files.some((file) => file.kind === 'large')).toBe(true);
    expect(site.files.some((file) => file.size === 0)).toBe(true);
    expect(paths.some((path) => path.endsWith("/Café menu 'final'.pdf"))).toBe(true);
    const config = await readFile(join(site.root, 'wp-config.php'), 'utf8');
    expect(config).toContain(`define( 'DB_HOST', '127.0.0.1:${db.port}' );`);
    expect(config).toContain("define( 'DB_NAME', 'wp' );");
    // The password's single quote is escaped as PHP requires.
    expect(config).toContain(`define( 'DB_PASSWORD', '${db.wp.password.replace(/'/g, "\\'")}' );`);
    expect(config).toContain("$table_prefix = 'wp_';");
  });

  it('scales: a larger scale gives proportionally more files and bytes', async () => {
    const small = await generateSite(join(scratch, 'small'), { seed: 'scale', scale: 0.002, db: dbTarget() });
    const larger = await generateSite(join(scratch, 'larger'), { seed: 'scale', scale: 0.01, db: dbTarget() });
    expect(larger.files.length).toBeGreaterThan(small.files.length * 3);
    expect(larger.totalBytes).toBeGreaterThan(small.totalBytes * 3);
  });

  it('writes text that compresses and media that does not', async () => {
    const site = await generateSite(join(scratch, 'mix'), { seed: 'mix', scale: 0.005, db: dbTarget() });
    const { gzipSync } = await import('node:zlib');
    const text = site.files.find((file) => file.kind === 'text' && file.size > 20_000)!;
    const media = site.files.find((file) => file.kind === 'media' && file.size > 20_000)!;
    const textBytes = await readFile(join(site.root, text.path));
    const mediaBytes = await readFile(join(site.root, media.path));
    expect(gzipSync(textBytes).length).toBeLessThan(textBytes.length / 2.5);
    expect(gzipSync(mediaBytes).length).toBeGreaterThan(mediaBytes.length * 0.99);
  });

  it('creates a WordPress-like database that loads into MariaDB with serialized options', async () => {
    const sql = generateDatabaseSql({ seed: 'db', scale: 0.05, siteUrl: 'https://shop.example' });
    expect(sql).toBe(generateDatabaseSql({ seed: 'db', scale: 0.05, siteUrl: 'https://shop.example' }));
    await rootSql(db, sql, db.wp.database);
    const counts = await rootSql(db, 'SELECT COUNT(*) FROM wp_posts; SELECT option_value FROM wp_options WHERE option_name = "siteurl";', db.wp.database);
    expect(counts.trim().split('\n')).toEqual(['100', 'https://shop.example']);
    const widget = (await rootSql(db, 'SELECT option_value FROM wp_options WHERE option_name = "widget_text";', db.wp.database)).trim();
    // Byte lengths, not character lengths: "Öffnungszeiten" has a two-byte Ö.
    expect(widget).toContain(phpSerializeString('Öffnungszeiten auf https://shop.example'));
    expect(phpSerializeString('Ö')).toBe('s:2:"Ö";');
  });
});
