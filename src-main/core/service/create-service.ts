import type { ServiceHandlers } from '../contract/operations';
import type { ServiceContext } from './context';
import { appHandlers } from './handlers/app';
import { backupHandlers } from './handlers/backup';
import { destinationHandlers } from './handlers/destination';
import { downloadHandlers } from './handlers/download';
import { emailHandlers } from './handlers/email';
import { fileHandlers } from './handlers/file';
import { jobHandlers } from './handlers/job';
import { preferencesHandlers } from './handlers/preferences';
import { replicationHandlers } from './handlers/replication';
import { reportHandlers } from './handlers/report';
import { repoHandlers } from './handlers/repo';
import { restoreHandlers } from './handlers/restore';
import { retentionHandlers } from './handlers/retention';
import { serverHandlers } from './handlers/server';
import { siteHandlers } from './handlers/site';
import { snapshotHandlers } from './handlers/snapshot';
import { verifyHandlers } from './handlers/verify';

export type { ServiceContext } from './context';

/** The service API's implementation, shared by the Electron shell, the CLI and the server: one module per contract domain. */
export function createService(ctx: ServiceContext): ServiceHandlers {
  return {
    ...appHandlers(ctx),
    ...preferencesHandlers(ctx),
    ...destinationHandlers(ctx),
    ...serverHandlers(ctx),
    ...siteHandlers(ctx),
    ...backupHandlers(ctx),
    ...repoHandlers(ctx),
    ...snapshotHandlers(ctx),
    ...fileHandlers(ctx),
    ...retentionHandlers(ctx),
    ...restoreHandlers(ctx),
    ...downloadHandlers(ctx),
    ...jobHandlers(ctx),
    ...replicationHandlers(ctx),
    ...verifyHandlers(ctx),
    ...emailHandlers(ctx),
    ...reportHandlers(ctx),
  };
}
