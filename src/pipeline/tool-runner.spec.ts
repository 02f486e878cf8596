import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { PassThrough, Readable, Transform } from 'node:stream';
import { ProcessRunner, type ProcessResult, type RunningProcess, type RunOptions } from '../core/process/process-runner.js';
import type { BackupCatalog } from '../engines/backup-catalog.js';
import {
  type ArchiveCheck,
  type ConnectionTarget,
  type ContentsListing,
  type DatabaseEngine,
  type RestorePlan,
  TargetDatabaseError,
  type ToolCommand,
} from '../engines/engine.js';
import { ToolRunner } from './tool-runner.js';

interface FakeRun {
  file: string;
  args: readonly string[];
  options: RunOptions;
  stdin: PassThrough;
  stdout: PassThrough;
  /** What the credentials file held when the tool started, and its mode. */
  credentials?: { content: string; mode: number };
  exit(result: Partial<ProcessResult>): void;
}

/** Starts nothing: records each run and lets the test decide how it ends. */
class FakeProcessRunner extends ProcessRunner {
  readonly runs: FakeRun[] = [];

  override run(file: string, args: readonly string[], options: RunOptions = {}): RunningProcess {
    let exit!: (result: ProcessResult) => void;
    const exited = new Promise<ProcessResult>((resolve) => (exit = resolve));
    const credentialsFile = args.find((arg) => arg.startsWith('/')) ?? options.env?.CREDENTIALS;
    const credentials = credentialsFile
      ? { content: readFileSync(credentialsFile, 'utf8'), mode: statSync(credentialsFile).mode & 0o777 }
      : undefined;
    const run: FakeRun = {
      file,
      args,
      options,
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      credentials,
      exit: (result) => exit({ code: 0, signal: null, stderr: '', ...result }),
    };
    this.runs.push(run);
    return { pid: 1, stdout: run.stdout, stdin: options.stdin ? run.stdin : null, exited };
  }
}

const target: ConnectionTarget = { host: 'db', port: 5432, database: 'app', username: 'u', password: 'sekret' };

function tool(overrides: Partial<ToolCommand> = {}): ToolCommand {
  return {
    file: '/usr/bin/some-dump',
    version: 'some-dump 1.0',
    credentials: { name: 'creds', content: 'password=sekret\n' },
    args: (credentialsFile) => [credentialsFile, '--', 'app'],
    env: (credentialsFile) => ({ CREDENTIALS: credentialsFile }),
    failure: (reason) => new TargetDatabaseError(`failed: ${reason.replace('sekret', '***')}`, /refused/.test(reason)),
    ...overrides,
  };
}

const catalog = { manifest: {}, warnings: [] } as unknown as BackupCatalog;

function engineWith(parts: Partial<DatabaseEngine>): DatabaseEngine {
  return parts as DatabaseEngine;
}

describe('ToolRunner.startDump', () => {
  it('runs the described tool with its credentials in a 0600 file, removed when it exits', async () => {
    const processes = new FakeProcessRunner();
    let catalogFrom: Promise<void> | undefined;
    const engine = engineWith({
      prepareDump: async () => ({
        tool: tool(),
        serverVersion: '15.4',
        recordCatalog: (ended) => {
          catalogFrom = ended;
          return ended.then(() => catalog);
        },
        release: async () => undefined,
      }),
    });
    const session = await new ToolRunner(processes).startDump(engine, target, new AbortController().signal, 7);

    const [run] = processes.runs;
    const credentialsFile = run!.args[0]!;
    expect(run!.file).toBe('/usr/bin/some-dump');
    expect(run!.args).toEqual([credentialsFile, '--', 'app']);
    expect(run!.options).toMatchObject({ stdoutFd: 7, env: { CREDENTIALS: credentialsFile } });
    expect(run!.credentials).toEqual({ content: 'password=sekret\n', mode: 0o600 });
    expect(run!.args.join(' ')).not.toContain('sekret');
    expect(session).toMatchObject({ serverVersion: '15.4', toolVersion: 'some-dump 1.0' });

    run!.exit({ code: 0 });
    await session.completed;
    expect(catalogFrom).toBe(session.completed);
    await expect(session.catalog).resolves.toBe(catalog);
    expect(existsSync(credentialsFile)).toBe(false);
  });

  it('reports a failed run as the engine classifies it, from the tail of its stderr or its exit status', async () => {
    const processes = new FakeProcessRunner();
    const engine = engineWith({
      prepareDump: async () => ({
        tool: tool(),
        serverVersion: '15.4',
        recordCatalog: (ended) => ended.then(() => catalog),
        release: async () => undefined,
      }),
    });
    const runner = new ToolRunner(processes);
    const refused = await runner.startDump(engine, target, new AbortController().signal);
    processes.runs[0]!.exit({ code: 1, stderr: 'connection refused for sekret\n' });
    await expect(refused.completed).rejects.toMatchObject({ message: 'failed: connection refused for ***', transient: true });
    await expect(refused.catalog).rejects.toBeInstanceOf(TargetDatabaseError);

    const killed = await runner.startDump(engine, target, new AbortController().signal);
    processes.runs[1]!.exit({ code: null, signal: 'SIGKILL' });
    await expect(killed.completed).rejects.toMatchObject({ message: 'failed: some-dump exited with SIGKILL', transient: false });
    await expect(killed.catalog).rejects.toBeInstanceOf(TargetDatabaseError);
  });

  it('releases what the engine prepared when the tool cannot be started', async () => {
    const processes = new FakeProcessRunner();
    let released = false;
    const engine = engineWith({
      prepareDump: async () => ({
        tool: tool({
          args: () => {
            throw new Error('bad arguments');
          },
        }),
        serverVersion: '15.4',
        recordCatalog: () => Promise.resolve(catalog),
        release: async () => {
          released = true;
        },
      }),
    });
    await expect(new ToolRunner(processes).startDump(engine, target, new AbortController().signal)).rejects.toThrow('bad arguments');
    expect(released).toBe(true);
  });
});

describe('ToolRunner.startRestore', () => {
  const plan = { target, freshDatabase: 'dbbackup_restore_1_1' } as RestorePlan;

  it('hands the descriptor to the tool when given one', async () => {
    const processes = new FakeProcessRunner();
    const engine = engineWith({ prepareRestore: async () => ({ tool: tool() }) });
    const session = await new ToolRunner(processes).startRestore(engine, plan, new AbortController().signal, 9);
    expect(processes.runs[0]!.options).toMatchObject({ stdinFd: 9 });
    expect(session.stdin).toBeNull();
    processes.runs[0]!.exit({ code: 0 });
    await session.completed;
  });

  it('feeds the dump through the engine rewriter into the tool', async () => {
    const processes = new FakeProcessRunner();
    const rewriter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        callback(null, chunk.toString().toUpperCase());
      },
    });
    const engine = engineWith({ prepareRestore: async () => ({ tool: tool(), rewriter }) });
    const session = await new ToolRunner(processes).startRestore(engine, plan, new AbortController().signal);
    const run = processes.runs[0]!;
    expect(session.stdin).toBe(rewriter);
    const received: Buffer[] = [];
    run.stdin.on('data', (chunk: Buffer) => received.push(chunk));
    run.stdin.on('end', () => run.exit({ code: 0 }));
    Readable.from([Buffer.from('insert into t;')]).pipe(session.stdin!);
    await session.completed;
    expect(Buffer.concat(received).toString()).toBe('INSERT INTO T;');
    expect(session.toolVersion).toBe('some-dump 1.0');
  });

  it('feeds the dump through the engine filter, then its rewriter, into the tool', async () => {
    const processes = new FakeProcessRunner();
    const filter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        callback(null, chunk.toString().replace('drop table t;', ''));
      },
    });
    const rewriter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        callback(null, chunk.toString().toUpperCase());
      },
    });
    const engine = engineWith({ prepareRestore: async () => ({ tool: tool(), filter, rewriter }) });
    const session = await new ToolRunner(processes).startRestore(engine, plan, new AbortController().signal);
    const run = processes.runs[0]!;
    expect(session.stdin).toBe(filter);
    const received: Buffer[] = [];
    run.stdin.on('data', (chunk: Buffer) => received.push(chunk));
    run.stdin.on('end', () => run.exit({ code: 0 }));
    Readable.from([Buffer.from('drop table t;insert into t;')]).pipe(session.stdin!);
    await session.completed;
    expect(Buffer.concat(received).toString()).toBe('INSERT INTO T;');
  });
});

describe('ToolRunner.transfer', () => {
  it("pipes the first tool's output into the second, each with its own credentials file", async () => {
    const processes = new FakeProcessRunner();
    const transferring = new ToolRunner(processes).transfer(tool(), tool({ file: '/usr/bin/some-restore' }), new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [restore, dump] = processes.runs;
    expect([restore!.file, dump!.file]).toEqual(['/usr/bin/some-restore', '/usr/bin/some-dump']);
    expect(restore!.options.stdin).toBe(true);
    const received: Buffer[] = [];
    restore!.stdin.on('data', (chunk: Buffer) => received.push(chunk));
    restore!.stdin.on('end', () => restore!.exit({ code: 0 }));
    dump!.stdout.end('CREATE TABLE t;');
    dump!.exit({ code: 0 });
    await transferring;
    expect(Buffer.concat(received).toString()).toBe('CREATE TABLE t;');
  });

  it("fails with the first tool's error and stops the second", async () => {
    const processes = new FakeProcessRunner();
    const transferring = new ToolRunner(processes).transfer(tool(), tool({ file: '/usr/bin/some-restore' }), new AbortController().signal);
    transferring.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [restore, dump] = processes.runs;
    restore!.options.signal!.addEventListener('abort', () => restore!.exit({ code: null, signal: 'SIGTERM' }));
    dump!.exit({ code: 1, stderr: 'connection refused\n' });
    dump!.stdout.end();
    await expect(transferring).rejects.toMatchObject({ message: 'failed: connection refused' });
    expect(restore!.options.signal!.aborted).toBe(true);
  });
});

describe('ToolRunner.validateArchive', () => {
  it('runs a checking tool on the archive and reports its stderr as the engine words it', async () => {
    const processes = new FakeProcessRunner();
    const check: ArchiveCheck = {
      kind: 'tool',
      file: 'checker',
      args: ['--file=/dev/null'],
      failure: (detail) => new Error(`cannot read the archive: ${detail}`),
    };
    const engine = engineWith({ archiveCheck: async () => check });
    const validating = new ToolRunner(processes).validateArchive(engine, Readable.from([Buffer.from('archive')]), new AbortController().signal);
    await new Promise((resolve) => setImmediate(resolve));
    const run = processes.runs[0]!;
    expect(run.args).toEqual(['--file=/dev/null']);
    run.stdin.resume();
    run.stdin.on('end', () => run.exit({ code: 1, stderr: 'pg_restore: error: bad block\n' }));
    await expect(validating).rejects.toThrow('cannot read the archive: pg_restore: error: bad block');
  });

  it('lets the engine read the archive itself', async () => {
    let read = '';
    const engine = engineWith({
      archiveCheck: async () => ({
        kind: 'reader',
        read: async (dump) => {
          for await (const chunk of dump) read += String(chunk);
        },
      }),
    });
    await new ToolRunner(new FakeProcessRunner()).validateArchive(engine, Readable.from([Buffer.from('-- dump')]), new AbortController().signal);
    expect(read).toBe('-- dump');
  });
});

describe('ToolRunner.listContents', () => {
  const listing = (): ContentsListing => ({
    kind: 'tool',
    file: 'lister',
    args: ['--list'],
    failure: (detail) => new Error(`cannot list: ${detail}`),
    parse: (line) => (line.startsWith('obj ') ? { kind: 'table', schema: null, name: line.slice(4) } : null),
  });

  it('feeds the archive to the listing tool and keeps the lines the engine parses as objects', async () => {
    const processes = new FakeProcessRunner();
    const engine = engineWith({ prepareContents: async () => listing() });
    const listed = new ToolRunner(processes).listContents(engine, Readable.from([Buffer.from('archive')]), new AbortController().signal);
    await new Promise((resolve) => setImmediate(resolve));
    const run = processes.runs[0]!;
    expect(run.args).toEqual(['--list']);
    let input = '';
    run.stdin.on('data', (chunk) => (input += String(chunk)));
    run.stdin.on('end', () => {
      run.stdout.end('; header\nobj a\nobj b\n');
      run.exit({ code: 0 });
    });
    await expect(listed).resolves.toEqual([
      { kind: 'table', schema: null, name: 'a' },
      { kind: 'table', schema: null, name: 'b' },
    ]);
    expect(input).toBe('archive');
  });

  it('reports a failed listing tool as the engine words it', async () => {
    const processes = new FakeProcessRunner();
    const engine = engineWith({ prepareContents: async () => listing() });
    const listed = new ToolRunner(processes).listContents(engine, Readable.from([Buffer.from('x')]), new AbortController().signal);
    await new Promise((resolve) => setImmediate(resolve));
    const run = processes.runs[0]!;
    run.stdin.resume();
    run.stdin.on('end', () => {
      run.stdout.end();
      run.exit({ code: 1, stderr: 'pg_restore: error: input file does not appear to be a valid archive\n' });
    });
    await expect(listed).rejects.toThrow('cannot list: pg_restore: error: input file does not appear to be a valid archive');
  });

  it('lets the engine scan the dump itself', async () => {
    const engine = engineWith({
      prepareContents: async () => ({
        kind: 'reader',
        read: async (dump) => {
          let text = '';
          for await (const chunk of dump) text += String(chunk);
          return [{ kind: 'table', schema: null, name: text }];
        },
      }),
    });
    await expect(
      new ToolRunner(new FakeProcessRunner()).listContents(engine, Readable.from([Buffer.from('t')]), new AbortController().signal),
    ).resolves.toEqual([{ kind: 'table', schema: null, name: 't' }]);
  });
});
