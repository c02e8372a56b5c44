import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Backend } from '../backends/backend';
import { ApiError } from '../contract/errors';
import { decrypt, defaultKdfParams, deriveKey, encrypt, IntegrityError, kdfParamsProblem, storageId, type KdfParams, type MasterKeys } from './crypto';

/**
 * `keys/<id>`: the master keys wrapped with a key derived from one passphrase. Several can
 * exist; changing a passphrase writes a new one and deletes the old, and no data is
 * re-encrypted.
 */
const keyFileSchema = z.object({
  version: z.literal(1),
  created: z.string(),
  hostname: z.string(),
  kdf: z.object({ name: z.literal('scrypt'), N: z.number().int().positive(), r: z.number().int().positive(), p: z.number().int().positive(), salt: z.string() }),
  data: z.string(),
});
export type KeyFile = z.infer<typeof keyFileSchema>;

const masterSchema = z.object({ encryption: z.string(), id: z.string(), chunker: z.string() });

export interface KeyEntry {
  id: string;
  created: string;
  hostname: string;
}

function serializeMaster(keys: MasterKeys): Buffer {
  return Buffer.from(JSON.stringify({ encryption: keys.encryption.toString('base64'), id: keys.id.toString('base64'), chunker: keys.chunker.toString('base64') }));
}

export async function writeKeyFile(backend: Backend, master: MasterKeys, passphrase: string, hostname: string, kdf: KdfParams = defaultKdfParams()): Promise<string> {
  const wrapping = await deriveKey(passphrase, kdf);
  const file: KeyFile = {
    version: 1,
    created: new Date().toISOString(),
    hostname,
    kdf,
    data: encrypt(wrapping, serializeMaster(master), 'sitevault-key').toString('base64'),
  };
  const bytes = Buffer.from(JSON.stringify(file));
  const id = storageId(bytes);
  await backend.write(`keys/${id}`, bytes);
  return id;
}

/** A key file is a few hundred bytes; one far larger is not read. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Tries every key file; returns the master keys and which key opened them. A key file whose
 * key derivation is beyond the bounds (KDF_LIMITS) is never run; when no other key opens, the
 * error names it and what it asked for.
 */
export async function unlockMasterKeys(backend: Backend, passphrase: string): Promise<{ master: MasterKeys; keyId: string } | null> {
  const files = await backend.list('keys');
  const refused: string[] = [];
  for (const { name, size } of files) {
    if (size > MAX_KEY_FILE_BYTES) {
      refused.push(`${name} is ${size} bytes, where a key file holds a few hundred`);
      continue;
    }
    let parsed: KeyFile;
    try {
      parsed = keyFileSchema.parse(JSON.parse((await backend.read(name)).toString('utf8')));
    } catch {
      continue;
    }
    const problem = kdfParamsProblem(parsed.kdf);
    if (problem) {
      refused.push(`${name} asks for ${problem}`);
      continue;
    }
    const wrapping = await deriveKey(passphrase, parsed.kdf);
    try {
      const plain = decrypt(wrapping, Buffer.from(parsed.data, 'base64'), 'sitevault-key', name);
      const m = masterSchema.parse(JSON.parse(plain.toString('utf8')));
      return {
        master: { encryption: Buffer.from(m.encryption, 'base64'), id: Buffer.from(m.id, 'base64'), chunker: Buffer.from(m.chunker, 'base64') },
        keyId: name.slice('keys/'.length),
      };
    } catch (error) {
      if (error instanceof IntegrityError) continue;
      throw error;
    }
  }
  if (refused.length > 0) {
    throw new ApiError(
      'TOO_LARGE',
      `No key of the repository at ${backend.properties.location} opens with the passphrase given, and ${refused.length === 1 ? 'one key file was' : `${refused.length} key files were`} not tried: ${refused.join('; ')}. SiteVault does not write such key files: the repository's storage may have been tampered with.`,
    );
  }
  return null;
}

export async function listKeys(backend: Backend): Promise<KeyEntry[]> {
  const out: KeyEntry[] = [];
  for (const { name } of await backend.list('keys')) {
    try {
      const parsed = keyFileSchema.parse(JSON.parse((await backend.read(name)).toString('utf8')));
      out.push({ id: name.slice('keys/'.length), created: parsed.created, hostname: parsed.hostname });
    } catch {
      // not a key file this version understands
    }
  }
  return out;
}

export function randomId(): string {
  return randomBytes(32).toString('hex');
}
