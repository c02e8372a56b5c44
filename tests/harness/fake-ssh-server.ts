import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

/** What one SSH connection to the fake server tried. */
export interface FakeSshConnection {
  /** Authentication methods the client tried (`none`, `password`, `publickey`, …). */
  methods: string[];
  /** Passwords the client sent. */
  passwords: string[];
}

/**
 * An SSH server written for attack tests: it completes the key exchange with its own host
 * key, records every authentication attempt, and refuses them all. It stands for a man in
 * the middle or a server nobody has confirmed yet.
 */
export class FakeSshServer {
  readonly connections: FakeSshConnection[] = [];
  readonly fingerprint: string;
  readonly #server: ssh2.Server;
  port = 0;

  constructor() {
    // About 1 in 200 ed25519 keys ssh2 generates cannot be parsed back by ssh2 ("Malformed OpenSSH private key"): make another.
    let hostKey = ssh2.utils.generateKeyPairSync('ed25519');
    let parsed = ssh2.utils.parseKey(hostKey.private);
    for (let attempt = 0; parsed instanceof Error && attempt < 20; attempt++) {
      hostKey = ssh2.utils.generateKeyPairSync('ed25519');
      parsed = ssh2.utils.parseKey(hostKey.private);
    }
    if (parsed instanceof Error) throw parsed;
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    this.fingerprint = `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
    this.#server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
      const connection: FakeSshConnection = { methods: [], passwords: [] };
      this.connections.push(connection);
      client.on('authentication', (context) => {
        connection.methods.push(context.method);
        if (context.method === 'password') connection.passwords.push(context.password);
        context.reject();
      });
      client.on('error', () => {});
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  /** Whether any connection sent a secret (a password or a key signature attempt). */
  get secretsReceived(): boolean {
    return this.connections.some((c) => c.passwords.length > 0 || c.methods.some((m) => m !== 'none'));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
