import { parentPort, workerData } from 'node:worker_threads';
import { compressIfWorthwhileSync } from './compression';
import { blobId, encrypt } from './crypto';

/**
 * A worker thread that seals blobs: keyed id, compression (when it pays) and encryption,
 * off the main thread. Keys arrive once, in workerData.
 */
const encryptionKey = Buffer.from(workerData.encryption as Uint8Array);
const idKey = Buffer.from(workerData.id as Uint8Array);

parentPort!.on('message', (message: { seq: number; data: Uint8Array }) => {
  const plain = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
  const id = blobId(idKey, plain);
  const { compression, bytes } = compressIfWorthwhileSync(plain);
  const sealed = encrypt(encryptionKey, bytes, Buffer.from(id, 'hex'));
  // A small Buffer is a view into Node's shared 8 KiB pool, and posting a view copies its whole
  // ArrayBuffer: each tiny blob would pin 8 KiB in the pack being built. Send exactly the
  // bytes, in a buffer of their own, transferred rather than copied.
  const exact = new Uint8Array(sealed.length);
  exact.set(sealed);
  parentPort!.postMessage({ seq: message.seq, id, compression, sealed: exact }, [exact.buffer]);
});
