import { parseArgs } from 'node:util';
import { Repository } from '../../core/engine/repository';
import { listKeys } from '../../core/engine/repository-keys';
import { checkRepository, rebuildIndex } from '../../core/engine/check';
import { listSnapshots, resolveSnapshot, type SnapshotWithId } from '../../core/engine/snapshots';
import { diffTrees, findNode, walkTree } from '../../core/engine/tree-walk';
import { formatBytes } from '../format';
import type { CliOutput } from '../output';
import { terminalProgress } from '../progress-bar';
import { accessRepo, openRepo, passphraseFrom, REMOTE_OPTIONS, requirePositional } from '../repo-access';
import { EXIT_DAMAGE, EXIT_OK, UsageError } from '../usage';

const REPO = { repo: { type: 'string' }, ...REMOTE_OPTIONS } as const;
const JSON_FLAG = { json: { type: 'boolean', default: false } } as const;

export async function initCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { ...REPO, ...JSON_FLAG }, strict: true });
  const { backend, passphrase } = await accessRepo(values.repo, env, values);
  try {
    const repo = await Repository.init(backend, await passphrase());
    if (values.json) io.out(JSON.stringify({ id: repo.config.id, location: repo.location }));
    else {
      io.out(`Created repository ${repo.config.id.slice(0, 8)} at ${repo.location}.`);
      io.out('Keep the passphrase safe: without it, no one (not even SiteVault) can read these backups.');
    }
    return EXIT_OK;
  } finally {
    await backend.close();
  }
}

function snapshotJson(s: SnapshotWithId) {
  return {
    id: s.id,
    short_id: s.id.slice(0, 8),
    time: s.time,
    site: s.site,
    tags: s.tags,
    kind: s.kind,
    parent: s.parent,
    files: s.stats.files,
    bytes: s.stats.bytes,
    warnings: s.warnings.length,
    original: s.original,
  };
}

export async function snapshotsCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { ...REPO, ...JSON_FLAG, site: { type: 'string' } }, strict: true });
  const repo = await openRepo(values.repo, env, values, { loadIndex: false });
  try {
    const snapshots = (await listSnapshots(repo)).filter((s) => !values.site || s.site === values.site);
    if (values.json) {
      io.out(JSON.stringify(snapshots.map(snapshotJson)));
      return EXIT_OK;
    }
    if (snapshots.length === 0) io.out('No snapshots.');
    for (const s of snapshots) {
      io.out(`${s.id.slice(0, 8)}  ${s.time}  ${s.site.padEnd(20)} ${String(s.stats.files).padStart(7)} files ${formatBytes(s.stats.bytes).padStart(10)}  ${s.tags.join(',')}${s.warnings.length ? `  (${s.warnings.length} warnings)` : ''}`);
    }
    return EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}

export async function lsCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...REPO, ...JSON_FLAG, recursive: { type: 'boolean', short: 'r', default: false } }, allowPositionals: true, strict: true });
  const repo = await openRepo(values.repo, env, values);
  try {
    const snapshot = await resolveSnapshot(repo, requirePositional(positionals, 0, 'SNAPSHOT'));
    const at = await findNode(repo, snapshot.tree, positionals[1] ?? '');
    const rows: Array<{ path: string; type: string; mode: number; size: number; mtime: string; target?: string }> = [];
    const push = (path: string, node: NonNullable<typeof at.node>) =>
      rows.push({ path, type: node.type, mode: node.mode, size: node.type === 'file' ? node.size : 0, mtime: new Date(node.mtime).toISOString(), ...(node.type === 'symlink' ? { target: node.target } : {}) });
    if (at.tree) {
      if (values.recursive) for await (const w of walkTree(repo, at.tree, at.path)) push(w.path, w.node);
      else for (const node of (await repo.loadTree(at.tree, at.path)).nodes) push(at.path ? `${at.path}/${node.name}` : node.name, node);
    } else if (at.node) {
      push(at.path, at.node);
    }
    if (values.json) io.out(JSON.stringify(rows));
    else for (const r of rows) io.out(`${r.type === 'dir' ? 'd' : r.type === 'symlink' ? 'l' : '-'}${(r.mode & 0o777).toString(8).padStart(4, '0')} ${String(r.size).padStart(12)} ${r.mtime} ${r.path}${r.target ? ` -> ${r.target}` : ''}`);
    return EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}

export async function dumpCommand(args: string[], _io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: REPO, allowPositionals: true, strict: true });
  const repo = await openRepo(values.repo, env, values);
  try {
    const snapshot = await resolveSnapshot(repo, requirePositional(positionals, 0, 'SNAPSHOT'));
    const at = await findNode(repo, snapshot.tree, requirePositional(positionals, 1, 'PATH'));
    if (!at.node || at.node.type !== 'file') throw new UsageError(`${positionals[1]} is not a file in the snapshot.`);
    for (const blob of at.node.content) {
      const data = await repo.readBlob(blob);
      // Raw bytes go straight to stdout: CliOutput is for lines of text.
      if (!process.stdout.write(data)) await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
    return EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}

export async function diffCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...REPO, ...JSON_FLAG }, allowPositionals: true, strict: true });
  const repo = await openRepo(values.repo, env, values);
  try {
    const a = await resolveSnapshot(repo, requirePositional(positionals, 0, 'SNAP1'));
    const b = await resolveSnapshot(repo, requirePositional(positionals, 1, 'SNAP2'));
    const diff = await diffTrees(repo, a.tree, b.tree);
    if (values.json) io.out(JSON.stringify(diff));
    else {
      for (const p of diff.added) io.out(`+ ${p}`);
      for (const p of diff.removed) io.out(`- ${p}`);
      for (const p of diff.changed) io.out(`M ${p}`);
      io.out(`${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
    }
    return EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}

/** `--read-data` alone means every pack: parseArgs has no optional values, so it is spelled out. */
export function normalizeReadData(args: string[]): string[] {
  return args.map((arg) => (arg === '--read-data' ? '--read-data=100' : arg));
}

export async function checkCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args: normalizeReadData(args), options: { ...REPO, ...JSON_FLAG, 'read-data': { type: 'string' } }, strict: true });
  const percent = values['read-data'] === undefined ? 0 : Number(String(values['read-data']).replace(/%$/, ''));
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new UsageError('--read-data takes a percentage from 0 to 100.');
  const repo = await openRepo(values.repo, env, values);
  const bar = terminalProgress();
  try {
    const report = await checkRepository(repo, { readDataPercent: percent, onProgress: bar.listener });
    bar.done();
    if (values.json) io.out(JSON.stringify(report));
    else {
      io.out(`Checked ${report.snapshots} snapshots, ${report.packs} packs, ${report.blobs} blobs${percent > 0 ? `; read ${report.packsRead} packs` : ''}.`);
      for (const d of report.damage) io.out(`DAMAGED ${d.kind} ${d.id}: ${d.message}${d.snapshots?.length ? ` (snapshots ${d.snapshots.map((s) => s.slice(0, 8)).join(', ')})` : ''}`);
      io.out(report.damage.length === 0 ? 'No damage found.' : `${report.damage.length} problems found.`);
    }
    return report.damage.length === 0 ? EXIT_OK : EXIT_DAMAGE;
  } finally {
    await repo.backend.close();
  }
}

export async function repairCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const [what, ...rest] = args;
  if (what !== 'index') throw new UsageError('Usage: sitevault repair index --repo REPO');
  const { values } = parseArgs({ args: rest, options: REPO, strict: true });
  const repo = await openRepo(values.repo, env, values, { loadIndex: false });
  try {
    const result = await rebuildIndex(repo);
    io.out(`Rebuilt the index from ${result.packs} pack headers.${result.unreadable.length ? ` Unreadable packs: ${result.unreadable.join(', ')}` : ''}`);
    return EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}

export async function keyCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: { ...REPO, ...JSON_FLAG }, allowPositionals: true, strict: true });
  const repo = await openRepo(values.repo, env, values, { loadIndex: false });
  try {
    switch (action) {
      case 'list': {
        const keys = await listKeys(repo.backend);
        if (values.json) io.out(JSON.stringify(keys.map((k) => ({ ...k, current: k.id === repo.keyId }))));
        else for (const k of keys) io.out(`${k.id === repo.keyId ? '*' : ' '} ${k.id.slice(0, 8)}  ${k.created}  ${k.hostname}`);
        return EXIT_OK;
      }
      case 'add':
      case 'passwd': {
        const next = await passphraseFrom(env, 'SITEVAULT_NEW_PASSPHRASE', 'New passphrase: ', true);
        const id = await repo.addKey(next);
        if (action === 'passwd') await repo.backend.delete(`keys/${repo.keyId}`);
        io.out(action === 'passwd' ? `Passphrase changed (key ${id.slice(0, 8)}); no data was re-encrypted.` : `Added key ${id.slice(0, 8)}.`);
        return EXIT_OK;
      }
      case 'remove': {
        const prefix = requirePositional(positionals, 0, 'KEY-ID');
        const keys = (await listKeys(repo.backend)).filter((k) => k.id.startsWith(prefix));
        if (keys.length !== 1) throw new UsageError(`Key prefix ${prefix} matches ${keys.length} keys.`);
        if (keys[0]!.id === repo.keyId) throw new UsageError('Refusing to remove the key that opened the repository; open it with another passphrase first.');
        await repo.backend.delete(`keys/${keys[0]!.id}`);
        io.out(`Removed key ${keys[0]!.id.slice(0, 8)}.`);
        return EXIT_OK;
      }
      default:
        throw new UsageError('Usage: sitevault key list|add|passwd|remove --repo REPO');
    }
  } finally {
    await repo.backend.close();
  }
}
