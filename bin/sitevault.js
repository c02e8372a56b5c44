#!/usr/bin/env node
// The `sitevault` command. The code lives in the build output (`npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('SiteVault is not built yet. Run `npm run build` in the project folder first.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
