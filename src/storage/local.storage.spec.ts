import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { InvalidStorageKeyError, LocalStorage } from './local.storage.js';

/** All files under a directory, relative, sorted. */
async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('LocalStorage', () => {
  let root: string;
  let storage: LocalStorage;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'local-storage-spec-'));
    storage = new LocalStorage(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('pathOf', () => {
    it('resolves a valid key under the root', () => {
      expect(storage.pathOf('db-3/20240912T123000Z-backup-7-a2.dump')).toBe(
        path.join(root, 'db-3', '20240912T123000Z-backup-7-a2.dump'),
      );
    });

    it.each(['../escape', '/abs', 'a/../../b', 'with space', 'db-1/with space.dump', '', '.', 'a/..', 'semi;colon', 'ünï'])(
      'rejects %j',
      (key) => {
        expect(() => storage.pathOf(key)).toThrow(InvalidStorageKeyError);
      },
    );

    it('names the key in the error', () => {
      expect(() => storage.pathOf('../escape')).toThrow('Invalid storage key: ../escape');
    });

    it('rejects a sibling directory that shares the root as a prefix', () => {
      const sibling = `../${path.basename(root)}-other/file`;
      expect(() => storage.pathOf(sibling)).toThrow(InvalidStorageKeyError);
    });
  });

  describe('uploads', () => {
    const key = 'db-1/backup.dump';
    const content = Buffer.from('PGDMP\u0000binary\u00ffcontent\n'.repeat(100), 'latin1');

    it('commit() puts the exact content at the final path, mode 0600, without leftovers', async () => {
      const upload = await storage.createUpload(key);
      upload.stream.write(content.subarray(0, 100));
      upload.stream.end(content.subarray(100));
      await finished(upload.stream);

      const stored = await upload.commit();
      const finalPath = path.join(root, 'db-1', 'backup.dump');
      expect(stored).toEqual({ key, location: finalPath, sizeBytes: content.length });
      expect((await readFile(finalPath)).equals(content)).toBe(true);
      expect((await stat(finalPath)).mode & 0o777).toBe(0o600);
      expect(await listFiles(root)).toEqual([path.join('db-1', 'backup.dump')]);
      expect(await storage.size(key)).toBe(content.length);
    });

    it('before commit only a .partial file exists', async () => {
      const upload = await storage.createUpload(key);
      upload.stream.end(content);
      await finished(upload.stream);

      const files = await listFiles(root);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^db-1\/backup\.dump\.[0-9a-f]{12}\.partial$/);
      expect(await storage.size(key)).toBeNull();
      await expect(stat(path.join(root, key))).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await stat(path.join(root, files[0]!))).mode & 0o777).toBe(0o600);

      await upload.commit();
      expect(await listFiles(root)).toEqual([path.join('db-1', 'backup.dump')]);
    });

    it('abort() leaves no file at all', async () => {
      const upload = await storage.createUpload(key);
      await new Promise<void>((resolve, reject) =>
        upload.stream.write(content, (error) => (error ? reject(error) : resolve())),
      );
      await upload.abort();
      expect(await listFiles(root)).toEqual([]);
      expect(await storage.size(key)).toBeNull();
    });

    it('abort() in the middle of writing leaves no file', async () => {
      const upload = await storage.createUpload(key);
      const errors: Error[] = [];
      upload.stream.on('error', (error: Error) => errors.push(error)); // as pipeline() would
      for (let i = 0; i < 50; i++) upload.stream.write(content);
      await upload.abort();
      expect(upload.stream.destroyed).toBe(true);
      expect(await listFiles(root)).toEqual([]);
    });

    it('abort() on an ended stream also removes the partial file', async () => {
      const upload = await storage.createUpload(key);
      upload.stream.end(content);
      await finished(upload.stream);
      await upload.abort();
      expect(await listFiles(root)).toEqual([]);
    });

    it('commits an empty upload with size 0', async () => {
      const upload = await storage.createUpload('empty.dump');
      upload.stream.end();
      await finished(upload.stream);
      expect(await upload.commit()).toEqual({ key: 'empty.dump', location: path.join(root, 'empty.dump'), sizeBytes: 0 });
      expect(await storage.size('empty.dump')).toBe(0);
    });

    it('two concurrent uploads of the same key use different temporary files', async () => {
      const first = await storage.createUpload(key);
      const second = await storage.createUpload(key);
      first.stream.end('first');
      second.stream.end('second');
      await Promise.all([finished(first.stream), finished(second.stream)]);
      expect((await listFiles(root)).filter((file) => file.endsWith('.partial'))).toHaveLength(2);
      await first.commit();
      await second.commit();
      expect(await readFile(path.join(root, key), 'utf8')).toBe('second');
      expect(await listFiles(root)).toEqual([path.join('db-1', 'backup.dump')]);
    });

    it('createUpload refuses an invalid key before touching the disk', async () => {
      await expect(storage.createUpload('../escape')).rejects.toThrow(InvalidStorageKeyError);
      expect(await readdir(root)).toEqual([]);
    });

    it('openRead streams the stored content back', async () => {
      const upload = await storage.createUpload(key);
      upload.stream.end(content);
      await finished(upload.stream);
      await upload.commit();

      const stream = await storage.openRead(key);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(stream, 'end');
      expect(Buffer.concat(chunks).equals(content)).toBe(true);
    });
  });

  describe('uploads through a descriptor (FileBackedStorage)', () => {
    const key = 'db-2/backup.dump.zst';
    const content = Buffer.from('zstd frame\u0000bytes\n'.repeat(50), 'latin1');

    it('is a .partial file until commit(), then the exact content at the key, mode 0600, without leftovers', async () => {
      const upload = await storage.createFileUpload(key);
      await upload.file.write(content, 0, content.length, 0);
      const partials = await listFiles(root);
      expect(partials).toHaveLength(1);
      expect(partials[0]).toMatch(/^db-2\/backup\.dump\.zst\.[0-9a-f]{12}\.partial$/);
      expect(await storage.size(key)).toBeNull();

      const stored = await upload.commit();
      const finalPath = path.join(root, 'db-2', 'backup.dump.zst');
      expect(stored).toEqual({ key, location: finalPath, sizeBytes: content.length });
      expect((await readFile(finalPath)).equals(content)).toBe(true);
      expect((await stat(finalPath)).mode & 0o777).toBe(0o600);
      expect(await listFiles(root)).toEqual([path.join('db-2', 'backup.dump.zst')]);
    });

    it('abort() leaves no file at all', async () => {
      const upload = await storage.createFileUpload(key);
      await upload.file.write(content, 0, content.length, 0);
      await upload.abort();
      expect(await listFiles(root)).toEqual([]);
    });

    it('openFile() opens the stored object for reading', async () => {
      await mkdir(path.join(root, 'db-2'), { recursive: true });
      await writeFile(path.join(root, 'db-2', 'backup.dump.zst'), content);
      const file = await storage.openFile(key);
      try {
        expect((await file.readFile()).equals(content)).toBe(true);
      } finally {
        await file.close();
      }
      await expect(storage.openFile('../outside')).rejects.toThrow(InvalidStorageKeyError);
    });
  });

  describe('size and delete', () => {
    it('size() returns null for a missing key', async () => {
      expect(await storage.size('db-9/missing.dump')).toBeNull();
    });

    it('size() returns the byte size of an existing file', async () => {
      await mkdir(path.join(root, 'db-2'));
      await writeFile(path.join(root, 'db-2', 'x.dump'), 'héllo');
      expect(await storage.size('db-2/x.dump')).toBe(6);
    });

    it('size() rejects an invalid key', async () => {
      await expect(storage.size('../escape')).rejects.toThrow(InvalidStorageKeyError);
    });

    it('delete() removes an existing file', async () => {
      await writeFile(path.join(root, 'x.dump'), 'data');
      await storage.delete('x.dump');
      expect(await listFiles(root)).toEqual([]);
    });

    it('delete() of a missing key does not throw', async () => {
      await expect(storage.delete('db-9/missing.dump')).resolves.toBeUndefined();
    });

    it('delete() refuses an invalid key and deletes nothing outside the root', async () => {
      const outside = `${root}-outside.txt`;
      await writeFile(outside, 'keep');
      try {
        await expect(storage.delete(`../${path.basename(outside)}`)).rejects.toThrow(InvalidStorageKeyError);
        expect(await readFile(outside, 'utf8')).toBe('keep');
      } finally {
        await rm(outside, { force: true });
      }
    });
  });

  describe('checkWritable', () => {
    it('creates a missing root and leaves no probe behind', async () => {
      const nested = path.join(root, 'a', 'b');
      await new LocalStorage(nested).checkWritable();
      expect((await stat(nested)).isDirectory()).toBe(true);
      expect(await readdir(nested)).toEqual([]);
    });

    it('throws when the root cannot be created (below a regular file)', async () => {
      const file = path.join(root, 'regular-file');
      await writeFile(file, 'not a directory');
      await expect(new LocalStorage(path.join(file, 'backups')).checkWritable()).rejects.toMatchObject({
        code: 'ENOTDIR',
      });
    });

    it('throws when the root itself is a regular file', async () => {
      const file = path.join(root, 'regular-file');
      await writeFile(file, 'not a directory');
      await expect(new LocalStorage(file).checkWritable()).rejects.toMatchObject({ code: 'EEXIST' });
    });
  });
});
