/**
 * The download's archive writers against maintained libraries, on the same snapshot:
 *   tsx scripts/bench/archives.ts REPO OUT WRITER
 * WRITER: ours-zip | yazl | ours-tgz | tar-stream. The passphrase comes from
 * SITEVAULT_PASSPHRASE. Each run opens the repository, streams the latest snapshot through
 * the writer into OUT, and prints the archive's size. Time whole runs, several times, with
 * /usr/bin/time -v or a benchmark tool; docs/benchmarks.md has the figures.
 */
import { createWriteStream } from 'node:fs';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tarStream from 'tar-stream';
import yazl from 'yazl';
import { LocalBackend } from '../../src-main/core/backends/local-backend';
import { downloadToFile } from '../../src-main/core/downloads/download';
import { ContentStream } from '../../src-main/core/engine/content-stream';
import { Repository } from '../../src-main/core/engine/repository';
import { resolveSnapshot } from '../../src-main/core/engine/snapshots';
import { collectSelection } from '../../src-main/core/engine/tree-walk';
import type { FileNode } from '../../src-main/core/engine/tree';

const ALREADY_COMPRESSED = /\.(jpe?g|png|gif|webp|avif|heic|mp4|m4v|mov|webm|mkv|mp3|m4a|ogg|opus|zip|gz|tgz|bz2|xz|zst|7z|rar|woff2?|pdf)$/i;

/** Gathers small chunks into ~1 MiB ones (each write into gzip has a fixed cost). */
function batching(): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      length += chunk.length;
      if (length >= 1024 * 1024) {
        this.push(Buffer.concat(parts, length));
        parts = [];
        length = 0;
      }
      done();
    },
    flush(done) {
      if (length > 0) this.push(Buffer.concat(parts, length));
      done();
    },
  });
}

async function main(): Promise<void> {
  const [repoPath, out, writer] = process.argv.slice(2);
  if (!repoPath || !out || !writer) throw new Error('usage: archives.ts REPO OUT ours-zip|yazl|ours-tgz|tar-stream');
  const repo = await Repository.open(new LocalBackend(repoPath), process.env['SITEVAULT_PASSPHRASE'] ?? '');
  const snapshot = await resolveSnapshot(repo, 'latest');
  if (writer === 'ours-zip' || writer === 'ours-tgz') {
    const result = await downloadToFile(repo, snapshot, out, { format: writer === 'ours-zip' ? 'zip' : 'tar.gz' });
    console.log(`${writer}: ${result.files} files, ${result.archiveBytes} bytes`);
    return;
  }
  const entries = (await collectSelection(repo, snapshot.tree, [])).nodes.filter((n) => !n.implied);
  const files = entries.filter((e): e is typeof e & { node: FileNode } => e.node.type === 'file');
  const content = new ContentStream(
    repo,
    files.map((f) => f.node),
  );
  const file = createWriteStream(out);
  if (writer === 'yazl') {
    const zip = new yazl.ZipFile();
    const written = pipeline(zip.outputStream as unknown as Readable, file);
    for (const { path, node } of entries) {
      const mtime = new Date(node.mtime);
      if (node.type === 'dir') zip.addEmptyDirectory(`${path}/`, { mtime, mode: 0o040000 | node.mode });
      else if (node.type === 'symlink') zip.addBuffer(Buffer.from(node.target), path, { mtime, mode: 0o120777, compress: false });
      else {
        const compress = node.size > 0 && !ALREADY_COMPRESSED.test(path);
        // Lazy: yazl asks for each file's stream in order, as the ContentStream must be read.
        zip.addReadStreamLazy(path, { mtime, mode: 0o100000 | node.mode, size: node.size, compressionLevel: compress ? 1 : 0 }, (cb) => cb(null, Readable.from(content.file(node))));
      }
    }
    zip.end();
    await written;
  } else if (writer === 'tar-stream') {
    const pack = tarStream.pack();
    const gzip = createGzip({ level: 1 });
    // As our writer does: small pieces gathered into ~1 MiB writes before gzip.
    const written = pipeline(pack, batching(), gzip, file);
    for (const { path, node } of entries) {
      const mtime = new Date(node.mtime);
      if (node.type === 'dir') pack.entry({ name: path, type: 'directory', mode: node.mode, mtime });
      else if (node.type === 'symlink') pack.entry({ name: path, type: 'symlink', linkname: node.target, mode: 0o777, mtime });
      else {
        const entry = pack.entry({ name: path, type: 'file', size: node.size, mode: node.mode, mtime });
        await pipeline(Readable.from(content.file(node)), entry as unknown as Writable);
      }
    }
    pack.finalize();
    await written;
  } else throw new Error(`unknown writer ${writer}`);
  console.log(`${writer}: ${files.length} files, ${file.bytesWritten} bytes`);
}

await main();
