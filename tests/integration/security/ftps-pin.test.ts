import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../../../src-main/core/backends/backend';
import { DEFAULT_CONNECTION } from '../../../src-main/core/backends/connection';
import { connectFtp } from '../../../src-main/core/backends/ftp-backend';
import { openBackend } from '../../../src-main/core/backends/open-backend';
import { parseLocation } from '../../../src-main/core/backends/location';
import { FakeFtpServer, makeCertificate, type TestCertificate } from '../../harness/fake-ftp-server';

// Issue 13, point 1: a pinned FTPS certificate is compared in the handshake, before the
// login, on the control connection and on every data connection.
const PASSWORD = 'the-ftp-password-9Qx';
let trusted: TestCertificate;
let intruder: TestCertificate;
let server: FakeFtpServer | null = null;

beforeAll(async () => {
  [trusted, intruder] = await Promise.all([makeCertificate(), makeCertificate()]);
});
afterEach(async () => {
  await server?.stop();
  server = null;
});

function backendFor(port: number, passive = true) {
  return openBackend(parseLocation(`ftps://backup@127.0.0.1:${port}/backups`), { password: PASSWORD, tlsFingerprint: trusted.fingerprint }, { ...DEFAULT_CONNECTION, maxRetries: 1, timeoutSeconds: 5, passive });
}

/** The DER bytes of a PEM certificate: an OpenSSL session carries its server's certificate. */
function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

async function failureOf(work: Promise<unknown>): Promise<BackendError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

describe('pinned FTPS certificates', () => {
  it('a control connection with another certificate gets no login: nothing after AUTH TLS', async () => {
    server = await new FakeFtpServer({ control: intruder }).start();
    const backend = backendFor(server.port);
    const error = await failureOf(backend.write('config', Buffer.from('x')));
    await backend.close();
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.message).toContain(intruder.fingerprint);
    expect(server.loginAttempted).toBe(false);
    expect(server.commands.every((line) => /^AUTH TLS$/i.test(line))).toBe(true);
    expect(JSON.stringify(server.commands)).not.toContain(PASSWORD);
  });

  for (const passive of [true, false]) {
    it(`a data connection (${passive ? 'passive' : 'active'} mode) with another certificate receives none of the upload and fails the write`, async () => {
      server = await new FakeFtpServer({ control: trusted, data: intruder }).start();
      const backend = backendFor(server.port, passive);
      const error = await failureOf(backend.write('config', Buffer.from('repository bytes that must not leak')));
      await backend.close();
      expect(error.code).toBe('HOST_KEY_CHANGED');
      expect(error.message).toMatch(/data connection/);
      expect(server.dataConnections).toBeGreaterThan(0);
      expect(Buffer.concat(server.uploaded).length).toBe(0);
    });
  }

  it('a data connection with another certificate is not read from either', async () => {
    server = await new FakeFtpServer({ control: trusted, data: intruder }).start();
    const backend = backendFor(server.port);
    const error = await failureOf(backend.read('config'));
    await backend.close();
    expect(error.code).toBe('HOST_KEY_CHANGED');
  });

  // Review r1, point 6: basic-ftp keeps the last TLS session a data connection's server sent, to
  // resume the next data connection with it, and a resumed session skips the pin (only the
  // pinned server could have issued it). Node emits 'session' even after the socket was
  // destroyed for its certificate, so the intruder's session must not be kept.
  for (const version of ['TLSv1.2'] as const) {
    it(`a data connection (${version}) with another certificate leaves no session of its own to resume`, async () => {
      server = await new FakeFtpServer({ control: trusted, data: intruder, dataMaxVersion: version }).start();
      const client = await connectFtp(
        { host: '127.0.0.1', port: server.port, username: 'backup', secure: true },
        { password: PASSWORD, tlsFingerprint: trusted.fingerprint },
        { ...DEFAULT_CONNECTION, timeoutSeconds: 5 },
        undefined,
        'the fake server',
      );
      const sessions: Buffer[] = [];
      const ftp = client.ftp;
      const store = Object.getOwnPropertyDescriptor(ftp, 'tlsSessionStore');
      let kept = ftp.tlsSessionStore;
      // Every session offered to the store, and what it holds in the end.
      Object.defineProperty(ftp, 'tlsSessionStore', {
        configurable: true,
        get: () => (store?.get ? store.get.call(ftp) : kept) as Buffer | undefined,
        set: (value: Buffer | undefined) => {
          if (value) sessions.push(value);
          if (store?.set) store.set.call(ftp, value);
          else kept = value;
        },
      });
      const error = await client.list('/').then(
        () => null,
        (e: unknown) => e,
      );
      expect(String(error)).toMatch(/CHANGED/);
      // The handshake is over and the socket destroyed; what it sent later is read by now.
      await new Promise((resolve) => setImmediate(resolve));
      client.close();
      const intruderDer = derOf(intruder.cert);
      expect(server.dataConnections).toBe(1);
      expect(sessions.filter((s) => s.includes(intruderDer))).toEqual([]);
      expect(ftp.tlsSessionStore?.includes(intruderDer) ?? false).toBe(false);
    });
  }

  it('a data connection with the pinned certificate (TLSv1.2) still leaves its session for the next one', async () => {
    server = await new FakeFtpServer({ control: trusted, dataMaxVersion: 'TLSv1.2' }).start();
    const client = await connectFtp(
      { host: '127.0.0.1', port: server.port, username: 'backup', secure: true },
      { password: PASSWORD, tlsFingerprint: trusted.fingerprint },
      { ...DEFAULT_CONNECTION, timeoutSeconds: 5 },
      undefined,
      'the fake server',
    );
    const before = client.ftp.tlsSessionStore;
    expect((await client.list('/')).map((f) => f.name)).toEqual(['hello.txt']);
    await new Promise((resolve) => setImmediate(resolve));
    const after = client.ftp.tlsSessionStore;
    client.close();
    expect(after).toBeInstanceOf(Buffer);
    expect(after!.includes(derOf(trusted.cert))).toBe(true);
    expect(after!.equals(before ?? Buffer.alloc(0))).toBe(false);
    // The data connection's (TLS 1.2: version 0x0303 at the head of the session), not the control connection's (TLS 1.3).
    expect(after!.subarray(0, 16).includes(Buffer.from([0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x03]))).toBe(true);
  });

  it('the pinned certificate on both connections works (the fake server is a fair test)', async () => {
    server = await new FakeFtpServer({ control: trusted }).start();
    const backend = backendFor(server.port);
    await backend.write('config', Buffer.from('hello'));
    expect((await backend.read('config')).toString()).toBe('hello');
    await backend.close();
    expect(server.loginAttempted).toBe(true);
    expect(Buffer.concat(server.uploaded).toString()).toBe('hello');
  });
});
