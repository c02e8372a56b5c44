import { open } from 'node:fs/promises';
import type { SiteImportSummary } from '../../core/contract/operations';
import { guessImportFormat, type ImportFormat } from '../../core/contract/import-format';
import { openCore } from '../../core/open-core';
import { MAX_IMPORT_BYTES } from '../../core/sites/import/candidate';
import { defineCommand } from '../command';
import type { CliOutput } from '../output';
import { JSON_OPTION, requirePositional } from '../repo-access';
import { callService } from '../service-call';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';

/** Reads at most the import limit and one byte more, so that a huge file is refused without being read whole. */
async function readImportFile(file: string): Promise<string> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(error.code === 'ENOENT' ? `No file ${file}: check the path.` : `Cannot open ${file}: ${error.message}`);
  });
  try {
    const buffer = Buffer.alloc(MAX_IMPORT_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_IMPORT_BYTES) throw new UsageError(`${file} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB: split it, or export fewer sites at once.`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function printSummary(summary: SiteImportSummary, io: CliOutput): void {
  const verb = summary.dryRun ? 'Would import' : 'Imported';
  io.out(`${verb} ${summary.imported.length} site${summary.imported.length === 1 ? '' : 's'}${summary.dryRun ? ' (a dry run: nothing was saved)' : ''}.`);
  for (const site of summary.imported) {
    const facts = [site.password ? 'password in the keychain' : 'no password', site.renamedFrom ? `renamed: a site named ${site.renamedFrom} is already saved` : null].filter(Boolean).join('; ');
    io.out(`  ${site.name.padEnd(30)} ${site.url} (${facts})`);
  }
  if (summary.skipped.length > 0) {
    io.out(`Skipped ${summary.skipped.length}:`);
    for (const skipped of summary.skipped) io.out(`  ${skipped.entry}: ${skipped.reason}`);
  }
  if (summary.needsAttention.length > 0) {
    io.out('Needs attention (SiteVault sends no password to a server before you confirm it):');
    for (const site of summary.needsAttention) {
      io.out(`  ${site.name}`);
      for (const reason of site.reasons) io.out(`    - ${reason}`);
    }
    io.out('Confirm each server with its host, then let SiteVault look at the site (WordPress, database):');
    io.out('  sitevault site edit NAME --host-key SHA256:…          (SFTP: the key your host gives you; FTPS: --tls-fingerprint SHA256:…)');
    io.out('  sitevault site edit NAME --accept-new-host-key        (shows and pins what the server presents now; check it first)');
    io.out('  sitevault site test NAME');
    io.out('Imported sites have no schedule until then: give one in that site edit (--files-at 02:00 --db-every-hours 6 is the default).');
  }
}

export const siteImport = defineCommand({
  name: 'site import',
  summary: 'Import sites from a FileZilla Site Manager export (sitemanager.xml) or a CSV file.',
  usage: ['site import FILE [--format filezilla|csv] [--destination NAME] [--dry-run] [--json]'],
  details: [
    'Passwords go to the keychain. No server is contacted: each imported site needs its host key or certificate confirmed',
    '(site edit NAME --host-key … or --accept-new-host-key) before its password is sent. A name already saved is never',
    'replaced: the imported site is saved as NAME-2. A CSV file has a header row naming its columns:',
    'name,protocol,host,port,user,password,folder,destination,tags (host and user are required; protocol sftp|ftp|ftps;',
    'tags separated by ";"). At most 500 sites and 1 MB per file.',
  ],
  positionals: [{ name: 'FILE', help: 'The FileZilla export (.xml) or the CSV file (.csv).' }],
  options: {
    format: { type: 'string', value: 'filezilla|csv', help: 'The file’s format; guessed from its extension or content when not given.' },
    destination: { type: 'string', value: 'NAME', help: 'The saved destination the imported sites back up to (a CSV row may name its own).' },
    'dry-run': { type: 'boolean', default: false, help: 'Check the file and show what would be imported; save nothing.' },
    ...JSON_OPTION,
  },
  env: { SITEVAULT_HOME: 'The data folder (settings, catalog); secrets are in the keychain.' },
  async run({ values, positionals }, io, env) {
    const file = requirePositional(positionals, 0, 'FILE');
    if (values.format !== undefined && values.format !== 'filezilla' && values.format !== 'csv') throw new UsageError(`--format takes filezilla or csv, not ${values.format}.`);
    const content = await readImportFile(file);
    const format = (values.format as ImportFormat | undefined) ?? guessImportFormat(file, content);
    const summary = await callService(
      await openCore({ shell: 'cli', env }),
      'site:import',
      { format, content, destination: values.destination ?? null, dryRun: values['dry-run'] },
      { destination: '--destination' },
    );
    if (values.json) io.out(JSON.stringify(summary));
    else printSummary(summary, io);
    return summary.imported.length === 0 && summary.skipped.length > 0 ? EXIT_ERROR : EXIT_OK;
  },
});
