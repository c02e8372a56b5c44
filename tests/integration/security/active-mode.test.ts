import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTION } from '../../../src-main/core/backends/connection';
import { openBackend } from '../../../src-main/core/backends/open-backend';
import { parseLocation } from '../../../src-main/core/backends/location';
import { FakeFtpServer, makeCertificate } from '../../harness/fake-ftp-server';

// Issue 13, point 7: in active mode the data connection is taken only from the control
// connection's peer. The intruder dials from 127.0.0.2 (loopback, another address) first.
let server: FakeFtpServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe('active-mode FTP', () => {
  it('turns away a data connection from another address and uses the server’s own', async () => {
    server = await new FakeFtpServer({ control: await makeCertificate(), activeIntruderFrom: '127.0.0.2' }).start();
    const backend = openBackend(parseLocation(`ftp://backup@127.0.0.1:${server.port}/backups`), { password: 'pw' }, { ...DEFAULT_CONNECTION, maxRetries: 1, timeoutSeconds: 5, passive: false });
    await backend.write('config', Buffer.from('upload for the real server'));
    await backend.close();
    expect(server.intruderGotData).toBe(false);
    expect(Buffer.concat(server.uploaded).toString()).toBe('upload for the real server');
  });
});
