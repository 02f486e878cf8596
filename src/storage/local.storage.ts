import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BackupStorage, FileBackedStorage, FileUpload, PendingUpload, StoredObject } from './storage.js';
import type { FreeSpace } from './storage-free-space.js';

const PARTIAL_SUFFIX = '.partial';

export class InvalidStorageKeyError extends Error {}

/** Backups as files under one directory: written to a temporary name, fsynced, then renamed into place. */
@Injectable()
export class LocalStorage implements BackupStorage, FileBackedStorage {
  readonly kind = 'local';

  constructor(private readonly root: string) {}

  pathOf(key: string): string {
    const resolved = path.resolve(this.root, key);
    if (!resolved.startsWith(this.root + path.sep) || !/^[A-Za-z0-9._/-]+$/.test(key)) {
      throw new InvalidStorageKeyError(`Invalid storage key: ${key}`);
    }
    return resolved;
  }

  async createUpload(key: string): Promise<PendingUpload> {
    const { finalPath, temporaryPath } = await this.temporaryPathFor(key);
    const stream = createWriteStream(temporaryPath, { flags: 'wx', mode: 0o600 });
    await once(stream, 'open');
    return {
      stream,
      // fsync through a second descriptor: it flushes the same inode, once the stream has closed its own.
      commit: () => commitFile(key, temporaryPath, finalPath, () => syncFile(temporaryPath)),
      abort: async () => {
        stream.destroy();
        await rm(temporaryPath, { force: true });
      },
    };
  }

  /** Like createUpload, through a descriptor open for reading and writing (see FileUpload). */
  async createFileUpload(key: string): Promise<FileUpload> {
    const { finalPath, temporaryPath } = await this.temporaryPathFor(key);
    const file = await open(temporaryPath, 'wx+', 0o600);
    const close = () => file.close().catch(() => undefined);
    return {
      file,
      commit: () =>
        commitFile(key, temporaryPath, finalPath, async () => {
          try {
            await file.sync();
            return (await file.stat()).size;
          } finally {
            await close();
          }
        }),
      abort: async () => {
        await close();
        await rm(temporaryPath, { force: true });
      },
    };
  }

  async openRead(key: string): Promise<Readable> {
    return createReadStream(this.pathOf(key));
  }

  async openFile(key: string): Promise<FileHandle> {
    return open(this.pathOf(key), 'r');
  }

  private async temporaryPathFor(key: string): Promise<{ finalPath: string; temporaryPath: string }> {
    const finalPath = this.pathOf(key);
    await mkdir(path.dirname(finalPath), { recursive: true });
    return { finalPath, temporaryPath: `${finalPath}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}` };
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Temporary files of unfinished uploads, as paths relative to the root, with their final key. */
  async listPartials(): Promise<Array<{ path: string; key: string }>> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(PARTIAL_SUFFIX))
      .map((entry) => {
        const relative = path.relative(this.root, path.join(entry.parentPath, entry.name));
        return { path: relative, key: relative.replace(/\.[0-9a-f]{12}\.partial$/, '') };
      });
  }

  async removePartial(relativePath: string): Promise<void> {
    if (!relativePath.endsWith(PARTIAL_SUFFIX)) throw new InvalidStorageKeyError(`Not a partial file: ${relativePath}`);
    await rm(this.pathOf(relativePath), { force: true });
  }

  async checkWritable(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = path.join(this.root, `.write-probe-${randomBytes(6).toString('hex')}`);
    const handle = await open(probe, 'wx', 0o600);
    await handle.close();
    await rm(probe, { force: true });
  }

  /** The space of the file system under the root: free to this user (not the blocks reserved for root), and total. */
  async freeSpace(): Promise<FreeSpace> {
    const { bavail, blocks, bsize } = await statfs(this.root);
    return { freeBytes: bavail * bsize, totalBytes: blocks * bsize };
  }
}

/** Makes a written temporary file the object at `key`: flushed (by `sync`, which returns its size), renamed, its directory flushed. */
async function commitFile(key: string, temporaryPath: string, finalPath: string, sync: () => Promise<number>): Promise<StoredObject> {
  const size = await sync();
  await rename(temporaryPath, finalPath);
  await syncFile(path.dirname(finalPath));
  return { key, location: finalPath, sizeBytes: size };
}

/** fsyncs a file or directory and returns its size. */
async function syncFile(target: string): Promise<number> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}
