import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { writeSecretFile, type SecretFile } from './secret-file.js';

describe('writeSecretFile', () => {
  const created: SecretFile[] = [];

  afterEach(async () => {
    await Promise.all(created.splice(0).map((file) => file.remove()));
  });

  async function write(name: string, content: string): Promise<SecretFile> {
    const file = await writeSecretFile(name, content);
    created.push(file);
    return file;
  }

  it('writes the exact content to a 0600 file named as asked', async () => {
    const content = 'db.example.com:5432:app:backup:p\\:w ünï\n';
    const file = await write('pgpass', content);
    expect(path.basename(file.path)).toBe('pgpass');
    expect(await readFile(file.path, 'utf8')).toBe(content);
    const info = await stat(file.path);
    expect(info.isFile()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('puts the file in a fresh 0700 directory under the temp dir', async () => {
    const file = await write('pgpass', 'x');
    const directory = path.dirname(file.path);
    expect(path.dirname(directory)).toBe(os.tmpdir());
    expect(path.basename(directory)).toMatch(/^dbbackup-secret-/);
    const info = await stat(directory);
    expect(info.isDirectory()).toBe(true);
    expect(info.mode & 0o777).toBe(0o700);
  });

  it('uses a different directory each time', async () => {
    const first = await write('pgpass', 'a');
    const second = await write('pgpass', 'b');
    expect(path.dirname(first.path)).not.toBe(path.dirname(second.path));
    expect(await readFile(first.path, 'utf8')).toBe('a');
    expect(await readFile(second.path, 'utf8')).toBe('b');
  });

  it('remove() deletes the file and its directory, and can be called twice', async () => {
    const file = await writeSecretFile('pgpass', 'secret');
    await file.remove();
    await expect(stat(file.path)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(path.dirname(file.path))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(file.remove()).resolves.toBeUndefined();
  });
});
