import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type SecretFile,
  secretFilesRoot,
  sweepDeadOwners,
  UnsafeSecretFilesRootError,
  useSecretFilesRoot,
  writeSecretFile,
} from './secret-file.js';

let testRoot: string;

beforeAll(async () => {
  testRoot = await mkdtemp(path.join(os.tmpdir(), 'secret-file-spec-'));
  useSecretFilesRoot(path.join(testRoot, 'secrets'));
});

afterAll(async () => {
  await rm(testRoot, { recursive: true, force: true });
});

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

  it("puts the file in a fresh 0700 directory inside this process's directory under the root", async () => {
    const file = await write('pgpass', 'x');
    const directory = path.dirname(file.path);
    const owner = path.dirname(directory);
    expect(path.dirname(owner)).toBe(secretFilesRoot());
    expect(path.basename(owner)).toMatch(new RegExp(`^${process.pid}-\\d+$`));
    expect(path.basename(directory)).toMatch(/^secret-/);
    for (const created of [directory, owner, secretFilesRoot()]) {
      const info = await stat(created);
      expect(info.isDirectory()).toBe(true);
      expect(info.mode & 0o777).toBe(0o700);
    }
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

describe('sweepDeadOwners', () => {
  /** The pid of a process that has exited (and been reaped). */
  function deadPid(): number {
    return spawnSync('true').pid!;
  }

  async function ownerDirectory(name: string): Promise<string> {
    const directory = path.join(secretFilesRoot(), name, 'secret-x');
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await writeFile(path.join(directory, 'pgpass'), 'password', { mode: 0o600 });
    return name;
  }

  it("removes the directories of dead processes and of reused pids, keeps running ones' and unknown names", async () => {
    const mine = path.basename(path.dirname(path.dirname((await writeSecretFile('pgpass', 'x')).path)));
    const dead = deadPid();
    await ownerDirectory(`${dead}-123`);
    await ownerDirectory(`${process.pid}-1`); // this pid, another start time: a reused pid
    await ownerDirectory('not-an-owner');
    expect((await sweepDeadOwners()).sort()).toEqual([dead, process.pid].sort());
    expect((await readdir(secretFilesRoot())).sort()).toEqual([mine, 'not-an-owner'].sort());
  });

  it('refuses a root that others may enter', async () => {
    await chmod(secretFilesRoot(), 0o755);
    try {
      await expect(sweepDeadOwners()).rejects.toThrow(UnsafeSecretFilesRootError);
    } finally {
      await chmod(secretFilesRoot(), 0o700);
    }
  });
});
