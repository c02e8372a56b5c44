import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore } from '../../core/open-core';
import { startScheduler } from '../../core/automation/scheduler';
import { startHeadlessServer } from '../../server/headless-server';
import { contentTypeOf, streamDownload } from '../../core/downloads/download';
import { resolveSnapshot } from '../../core/engine/snapshots';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../usage';
import { defineCommand } from '../command';

/** The built renderer sits beside the built CLI: out/main/cli.js and out/renderer/. */
export function defaultRendererDir(): string {
  return fileURLToPath(new URL('../renderer', import.meta.url));
}

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Run the app headless: prints an address to open in a browser.',
  usage: ['serve [--port N]'],
  details: ['It listens on 127.0.0.1 only; the address carries a token that is new at every start and required for every call.'],
  options: { port: { type: 'string', default: '0', value: 'N', help: 'The port (0 = a free one).' } },
  env: { SITEVAULT_HOME: 'The data folder.', SITEVAULT_SCHEDULER: 'off: serve only, run no scheduled backups.' },
  async run({ values }, io) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${values.port}`);

    const rendererDir = defaultRendererDir();
    if (!existsSync(join(rendererDir, 'index.html'))) {
      io.err(`The app's screens are not built (${rendererDir} is missing). Run \`npm run build\` first.`);
      return EXIT_ERROR;
    }
    // SITEVAULT_SCHEDULER=off: a server that only serves (tests that need a fixed history use it).
    const schedulerActive = process.env['SITEVAULT_SCHEDULER'] !== 'off';
    const core = await openCore({ shell: 'headless', schedulerActive, keepJobHistory: true, watchSettings: true });
    const server = await startHeadlessServer({
      handlers: core.handlers,
      events: core.events,
      rendererDir,
      port,
      onInternalError: (error) => io.err(`internal error: ${error instanceof Error ? error.message : String(error)}`),
      openDownload: async (id) => {
        const pending = core.pendingDownloads.get(id);
        core.pendingDownloads.delete(id);
        if (!pending || pending.expires < Date.now()) return null;
        return {
          fileName: pending.fileName,
          contentType: contentTypeOf(pending.format),
          stream: async (out) => {
            const repo = await core.destinations.openRepository(pending.destination);
            try {
              await streamDownload(repo, await resolveSnapshot(repo, pending.snapshot), pending.format, out, pending.options);
            } finally {
              await repo.backend.close();
            }
          },
        };
      },
    });
    const scheduler = !schedulerActive
      ? null
      : startScheduler(core, { firstAfterMs: Number(process.env['SITEVAULT_SCHEDULER_START_MS'] ?? 30_000), onError: (error) => io.err(`scheduler: ${error instanceof Error ? error.message : String(error)}`) });
    io.out('SiteVault is running headless. Open this address in your browser:');
    io.out(`  ${server.url}`);
    io.out('The address holds a one-time access token: do not share it. Press Ctrl+C to stop.');

    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    scheduler?.stop();
    await server.close();
    return EXIT_OK;
  },
});
