import { parseArgs } from 'node:util';
import { copySnapshots } from '../../core/engine/copy';
import { lockRepository } from '../../core/engine/locks';
import { prune } from '../../core/engine/prune';
import { Repository } from '../../core/engine/repository';
import { applyRetention, type RetentionPolicy } from '../../core/engine/retention';
import { listSnapshots } from '../../core/engine/snapshots';
import { formatBytes } from '../format';
import type { CliOutput } from '../output';
import { terminalProgress } from '../progress-bar';
import { accessRepo, openRepo, REMOTE_OPTIONS } from '../repo-access';
import { EXIT_OK, UsageError } from '../usage';

const REPO = { repo: { type: 'string' }, ...REMOTE_OPTIONS } as const;
const KEEP = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

export async function forgetCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...REPO,
      site: { type: 'string' },
      prune: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ...Object.fromEntries(KEEP.map((k) => [`keep-${k}`, { type: 'string' as const }])),
    },
    strict: true,
  });
  const policy: RetentionPolicy = {};
  for (const rule of KEEP) {
    const raw = (values as Record<string, unknown>)[`keep-${rule}`];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--keep-${rule} takes a whole number, got ${String(raw)}.`);
    policy[rule] = n;
  }
  if (!Object.values(policy).some((n) => (n ?? 0) > 0)) throw new UsageError('Give at least one --keep-* rule; forget never removes everything.');
  const repo = await openRepo(values.repo, env, values, { loadIndex: values.prune });
  try {
    const all = (await listSnapshots(repo)).filter((s) => !values.site || s.site === values.site);
    const sites = [...new Set(all.map((s) => s.site))].sort();
    const result = sites.map((site) => ({ site, ...applyRetention(all.filter((s) => s.site === site), policy) }));
    if (!values['dry-run']) {
      const lock = await lockRepository(repo, 'forget', true);
      try {
        for (const group of result) for (const s of group.remove) await repo.backend.delete(`snapshots/${s.id}`);
      } finally {
        await lock.release();
      }
    }
    const pruned = !values['dry-run'] && values.prune ? await prune(repo) : null;
    if (values.json) {
      io.out(
        JSON.stringify({
          dry_run: values['dry-run'],
          sites: result.map((g) => ({
            site: g.site,
            keep: g.keep.map((k) => ({ id: k.snapshot.id, time: k.snapshot.time, reasons: k.reasons })),
            remove: g.remove.map((s) => ({ id: s.id, time: s.time })),
          })),
          prune: pruned,
        }),
      );
    } else {
      for (const g of result) {
        io.out(`${g.site}: keep ${g.keep.length}, ${values['dry-run'] ? 'would remove' : 'removed'} ${g.remove.length}`);
        for (const k of g.keep) io.out(`  keep   ${k.snapshot.id.slice(0, 8)} ${k.snapshot.time} (${k.reasons.join(', ')})`);
        for (const s of g.remove) io.out(`  remove ${s.id.slice(0, 8)} ${s.time}`);
      }
      if (pruned) io.out(`Pruned: ${pruned.packsDeleted} packs deleted, ${pruned.packsRepacked} repacked, ${formatBytes(pruned.bytesFreed)} freed.`);
    }
    return EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}

export async function pruneCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { ...REPO, json: { type: 'boolean', default: false } }, strict: true });
  const repo = await openRepo(values.repo, env, values);
  const bar = terminalProgress();
  try {
    const report = await prune(repo, { onProgress: bar.listener });
    bar.done();
    if (values.json) io.out(JSON.stringify(report));
    else io.out(`Pruned: ${report.packsDeleted} packs deleted, ${report.packsRepacked} repacked, ${report.packsKept} kept, ${formatBytes(report.bytesFreed)} freed.`);
    return EXIT_OK;
  } finally {
    await repo.backend.close();
  }
}

export async function copyCommand(args: string[], io: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { ...REPO, to: { type: 'string' }, site: { type: 'string' }, json: { type: 'boolean', default: false } }, strict: true });
  if (!values.to) throw new UsageError('--to REPO2 is required.');
  const source = await openRepo(values.repo, env, values);
  // The destination's login and passphrase have their own variables; the passphrase defaults to the source's.
  const toEnv = { ...env, SITEVAULT_TO_PASSPHRASE: env['SITEVAULT_TO_PASSPHRASE'] || env['SITEVAULT_PASSPHRASE'] };
  const to = await accessRepo(values.to, toEnv, values, { password: 'SITEVAULT_TO_REPO_PASSWORD', passphrase: 'SITEVAULT_TO_PASSPHRASE' });
  const destinationBackend = to.backend;
  const bar = terminalProgress();
  try {
    const passphrase = await to.passphrase();
    const destination = (await Repository.exists(destinationBackend))
      ? await Repository.open(destinationBackend, passphrase)
      : await Repository.init(destinationBackend, passphrase, source.keys);
    const report = await copySnapshots(source, destination, { site: values.site, onProgress: bar.listener });
    bar.done();
    if (values.json) io.out(JSON.stringify(report));
    else io.out(`Copied ${report.copied.length} snapshots (${report.skipped.length} already there), ${report.blobsCopied} blobs, ${formatBytes(report.bytesAdded)} added.`);
    return EXIT_OK;
  } finally {
    await source.backend.close();
    await destinationBackend.close();
  }
}
