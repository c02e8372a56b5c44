import AxeBuilder from '@axe-core/playwright';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { runCli } from '../helpers/cli';
import { accountPasswordEnv, loadHarnessInfo } from '../harness/harness';
import { placeSite } from '../harness/site-placement';
import { expect, test } from './fixtures';
import { AppPage } from './pages/app-page';
import { ReportPage, setReportAuthor } from './pages/report-page';

const run = promisify(execFile);

/** A small PNG logo (a dark teal banner with a light block), made here so the test needs no file. */
function logoPng(width = 180, height = 48): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => (bytes.reduce((c, b) => crcTable[(c ^ b) & 0xff]! ^ (c >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0;
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const light = x > 10 && x < 42 && y > 10 && y < 38;
      rows.set(light ? [0xf2, 0xc1, 0x4e] : [0x0f, 0x4c, 0x5c], y * (width * 3 + 1) + 1 + x * 3);
    }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const thisMonth = () => {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
};

// Issue 19: a monthly report a freelancer sends a client, with their name and logo, as a PDF.
test.describe('client report', () => {
  test.setTimeout(180_000);

  test('a site’s month: its backup, the read-back that verified it, its storage; a clean A4 PDF with the freelancer’s name and logo', async ({ page, server, home }) => {
    const harness = await loadHarnessInfo();
    const placed = await placeSite(harness, 'ssh-shell', 'e2e-report');
    const env = { ...process.env, SITEVAULT_HOME: home, REPO_PASS: 'client report passphrase', ...accountPasswordEnv(harness) };
    const cli = (args: string[]) => runCli(args, env);
    expect((await cli(['destination', 'add', 'Vault', '--url', join(home, 'repo'), '--passphrase-env', 'REPO_PASS'])).code).toBe(0);
    expect((await cli(['init', '--repo', 'Vault'])).code).toBe(0);
    const url = `sftp://${harness.sshd!.shell.username}@127.0.0.1:${harness.sshd!.port}${placed.remotePath}`;
    const added = await cli(['site', 'add', 'Client Report', '--url', url, '--password-env', 'SHELL_PASSWORD', '--host-key', harness.sshd!.hostKeyFingerprint, '--db', 'none', '--destination', 'Vault']);
    expect(added.code, added.stderr).toBe(0);
    const backup = await cli(['backup', '--site', 'Client Report']);
    expect(backup.code, backup.stderr).toBe(0);

    // The command line's figures, which the page must show too.
    const month = thisMonth();
    const fromCli = await cli(['report', '--site', 'Client Report', '--month', month, '--json']);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    const figures = JSON.parse(fromCli.stdout) as {
      totals: { backups: number; kept: number; failed: number; storageBytes: number };
      sites: Array<{ storage: { method: string }; lastVerified: { kind: string } | null }>;
    };
    expect(figures.totals).toMatchObject({ backups: 1, kept: 1, failed: 0 });
    expect(figures.totals.storageBytes).toBeGreaterThan(0);
    expect(figures.sites[0]).toMatchObject({ storage: { method: 'repository' }, lastVerified: { kind: 'after-backup' } });

    const app = new AppPage(page);
    await app.open(server.url);
    await app.go('Settings');
    await setReportAuthor(page, 'Jane Doe Web Care', { name: 'logo.png', mimeType: 'image/png', buffer: logoPng() });
    await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

    await app.go('Sites');
    await page
      .locator('li.card', { has: page.getByRole('heading', { name: 'Client Report' }) })
      .getByRole('button', { name: 'Client report' })
      .click();
    const report = new ReportPage(page);
    await expect(report.sheet.getByRole('heading', { name: 'Client Report', level: 1 })).toBeVisible();
    await expect(report.sheet.getByRole('img', { name: 'Jane Doe Web Care logo' })).toBeVisible();
    await expect(report.sheet.getByText('Jane Doe Web Care', { exact: true })).toBeVisible();
    await expect(report.tile('Backups made')).toHaveText('1');
    await expect(report.tile('Failed')).toHaveText('0');
    await expect(report.tile('Kept')).toHaveText('1');
    await expect(report.tile('Restores')).toHaveText('0');
    await expect(report.sheet.getByTestId('report-backups')).toContainText('1 backup made. 1 backup of this month is kept, of 1 restore point in all.');
    await expect(report.sheet.getByTestId('last-verified')).toContainText('Last verified restore point:');
    await expect(report.sheet.getByTestId('last-verified')).toContainText('checked by reading it back');
    await expect(report.sheet.getByTestId('report-storage')).toContainText('The whole backup repository, which holds this site alone');
    await expect(report.sheet.getByText('1 backup read back and checked after it was made: all sound.')).toBeVisible();

    // Another month: the same site, nothing happened.
    await report.chooseMonth('2020-01');
    await expect(report.sheet.getByText('January 2020')).toBeVisible();
    await expect(report.tile('Backups made')).toHaveText('0');
    await expect(report.sheet.getByTestId('last-verified')).toContainText('No verified restore point');
    await report.chooseMonth(month);
    await expect(report.tile('Backups made')).toHaveText('1');
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);

    // Headless Chromium prints it as the browser's "Save as PDF" does: print styles, A4.
    await mkdir('test-results/screens', { recursive: true });
    const pdf = 'test-results/screens/client-report.pdf';
    await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
    const { stdout: info } = await run('pdfinfo', [pdf]);
    expect(info).toMatch(/Pages:\s+1\n/);
    expect(info).toMatch(/Page size:.*\(A4\)/);
    const { stdout: text } = await run('pdftotext', ['-layout', pdf, '-']);
    expect(text).toContain('Jane Doe Web Care');
    expect(text).toContain('Client Report');
    expect(text).toContain('Last verified restore point');
    // No app chrome: neither the navigation nor the report's own controls are printed.
    for (const chrome of ['Destinations', 'Activity', 'Save as PDF', 'Print or save as PDF', 'Headless']) expect(text).not.toContain(chrome);
    await mkdir('docs/screens', { recursive: true });
    await run('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdf, 'docs/screens/report']);
    await app.screenshot('report-screen');
  });
});
