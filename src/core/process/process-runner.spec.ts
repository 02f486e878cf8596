import { afterEach, describe, expect, it } from '@jest/globals';
import { isAlive, processInfo } from '../../../test/support/proc.js';
import { ProcessFailedError, ProcessRunner, resolveExecutable, stderrTail, TailBuffer } from './process-runner.js';

const node = process.execPath;

describe('ProcessRunner', () => {
  const runner = new ProcessRunner();
  const previousSecret = process.env.SECRET_FOR_TEST;

  afterEach(() => {
    if (previousSecret === undefined) delete process.env.SECRET_FOR_TEST;
    else process.env.SECRET_FOR_TEST = previousSecret;
  });

  describe('output', () => {
    it("returns the child's stdout", async () => {
      await expect(runner.output(node, ['-e', 'process.stdout.write("hi")'])).resolves.toBe('hi');
    });

    it('passes arguments verbatim, without a shell', async () => {
      const args = ['$HOME', '`id`', 'a b', "'quoted'", '; rm -rf /'];
      const out = await runner.output(node, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...args]);
      expect(JSON.parse(out)).toEqual(args);
    });

    it('rejects with ProcessFailedError carrying the exit code and stderr on a non-zero exit', async () => {
      const failure = runner.output(node, ['-e', 'process.stderr.write("something broke\\n"); process.exit(3)']);
      await expect(failure).rejects.toBeInstanceOf(ProcessFailedError);
      const error = (await failure.catch((e: unknown) => e)) as ProcessFailedError;
      expect(error.message).toBe(`${node} exited with code 3: something broke`);
      expect(error.file).toBe(node);
      expect(error.result).toEqual({ code: 3, signal: null, stderr: 'something broke\n' });
    });

    it('describes a failure without stderr by its exit code only', async () => {
      const error = (await runner.output(node, ['-e', 'process.exit(2)']).catch((e: unknown) => e)) as ProcessFailedError;
      expect(error).toBeInstanceOf(ProcessFailedError);
      expect(error.message).toBe(`${node} exited with code 2`);
    });

    it('rejects for a missing executable', async () => {
      const error = (await runner.output('/nonexistent/tool', []).catch((e: unknown) => e)) as ProcessFailedError;
      expect(error).toBeInstanceOf(ProcessFailedError);
      expect(error.result.code).toBeNull();
      expect(error.message).toContain('ENOENT');
    });
  });

  describe('environment', () => {
    const printEnv = ['-e', 'process.stdout.write(JSON.stringify(process.env))'];

    it("does not pass the parent's variables to the child", async () => {
      process.env.SECRET_FOR_TEST = 'x';
      const env = JSON.parse(await runner.output(node, printEnv)) as Record<string, string>;
      expect(env).not.toHaveProperty('SECRET_FOR_TEST');
      expect(env.PATH).toBe(process.env.PATH);
      expect(env).toMatchObject({ LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC' });
      // Nothing beyond the minimal environment (the child itself may add nothing either).
      expect(Object.keys(env).sort()).toEqual(['LANG', 'LC_ALL', 'PATH', 'TZ']);
    });

    it('adds the extra variables', async () => {
      const env = JSON.parse(
        await runner.output(node, printEnv, { env: { PGPASSFILE: '/tmp/x/pgpass', TZ: 'Europe/Paris' } }),
      ) as Record<string, string>;
      expect(env.PGPASSFILE).toBe('/tmp/x/pgpass');
      expect(env.TZ).toBe('Europe/Paris');
      expect(env.PATH).toBe(process.env.PATH);
    });
  });

  describe('run', () => {
    it('ignores stdin by default and pipes it on request', async () => {
      expect(runner.run(node, ['-e', '']).stdin).toBeNull();

      const running = runner.run(node, ['-e', 'process.stdin.pipe(process.stdout)'], { stdin: true });
      expect(running.stdin).not.toBeNull();
      const chunks: Buffer[] = [];
      running.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      running.stdin!.end('echoed');
      await expect(running.exited).resolves.toEqual({ code: 0, signal: null, stderr: '' });
      expect(Buffer.concat(chunks).toString()).toBe('echoed');
    });

    it('kills a long-running child when the signal aborts', async () => {
      const controller = new AbortController();
      const running = runner.run(node, ['-e', 'process.stdout.write("ready"); setInterval(() => {}, 1000)'], {
        signal: controller.signal,
      });
      running.stdout.resume();
      await new Promise<void>((resolve) => running.stdout.once('data', () => resolve()));
      const started = Date.now();
      controller.abort();
      const result = await running.exited;
      expect(result).toEqual({ code: null, signal: 'SIGTERM', stderr: '' });
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(running.pid).toEqual(expect.any(Number));
      expect(isAlive(running.pid!)).toBe(false);
    });

    it("runs the child in this process's session and process group (one scheduling group with its tools)", async () => {
      const running = runner.run(node, ['-e', 'process.stdout.write("ready"); setInterval(() => {}, 1000)'], {
        signal: AbortSignal.timeout(10_000),
      });
      await new Promise<void>((resolve) => running.stdout.once('data', () => resolve()));
      const child = await processInfo(running.pid!);
      const own = await processInfo(process.pid);
      process.kill(running.pid!, 'SIGKILL');
      await running.exited;
      expect(child).not.toBeNull();
      expect({ pgid: child?.pgid, session: child?.session }).toEqual({ pgid: own?.pgid, session: own?.session });
    });

    it('kills the child at once when the signal is already aborted', async () => {
      const running = runner.run(node, ['-e', 'setInterval(() => {}, 1000)'], { signal: AbortSignal.abort() });
      running.stdout.resume();
      const result = await running.exited;
      expect(result.code).toBeNull();
      expect(result.signal).toBe('SIGTERM');
    });

    it('resolves exited with code null and an ENOENT message for a missing executable', async () => {
      const running = runner.run('/nonexistent/definitely-not-a-tool', ['--version']);
      running.stdout.resume();
      const result = await running.exited;
      expect(result.code).toBeNull();
      expect(result.signal).toBeNull();
      expect(result.stderr).toContain('ENOENT');
      expect(result.stderr).toContain('/nonexistent/definitely-not-a-tool');
    });

    it('limits the captured stderr to 64 KiB', async () => {
      const running = runner.run(node, ['-e', 'process.stderr.write("e".repeat(200 * 1024)); process.exitCode = 1']);
      running.stdout.resume();
      const result = await running.exited;
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('e'.repeat(64 * 1024));
    });
  });
});

describe('resolveExecutable', () => {
  it('finds a program on the search path as execvp would, skipping directories without it', () => {
    expect(resolveExecutable('sh', '/nonexistent:/bin')).toBe('/bin/sh');
  });

  it('takes a path with a slash as it is, if it is an executable file', () => {
    expect(resolveExecutable('/bin/sh', '')).toBe('/bin/sh');
    expect(resolveExecutable('/etc/passwd', '/bin')).toBeUndefined();
    expect(resolveExecutable('/bin', '/')).toBeUndefined();
  });

  it('is undefined for a program that is nowhere on the path', () => {
    expect(resolveExecutable('definitely-not-a-tool', '/bin:/usr/bin')).toBeUndefined();
  });
});

describe('stderr tail', () => {
  const runner = new ProcessRunner();

  it("keeps the end of a long stderr, where a client prints the error that stopped it", async () => {
    const script = 'for (let i = 0; i < 20000; i++) process.stderr.write("INSERT INTO t VALUES (" + i + ");\\n"); process.stderr.write("ERROR 1146 at line 20001: Table missing\\n"); process.exitCode = 1';
    const result = await runner.run(node, ['-e', script]).exited;
    expect(result.code).toBe(1);
    expect(result.stderr.length).toBeLessThanOrEqual(64 * 1024);
    expect(result.stderr.startsWith('INSERT INTO t VALUES (')).toBe(true);
    expect(result.stderr.endsWith('ERROR 1146 at line 20001: Table missing\n')).toBe(true);
  });

  it('TailBuffer starts at a line boundary once it dropped bytes, and keeps everything otherwise', () => {
    const tail = new TailBuffer(10);
    tail.push(Buffer.from('abc\n'));
    expect(tail.text()).toBe('abc\n');
    tail.push(Buffer.from('defgh\nij'));
    expect(tail.text()).toBe('defgh\nij');
  });

  it('stderrTail shows the last lines of a long message, marked as cut', () => {
    const long = `${'x'.repeat(3000)}\nfirst kept line\nERROR: the reason`;
    expect(stderrTail(long, 40)).toBe('…first kept line\nERROR: the reason');
    expect(stderrTail('  short  ')).toBe('short');
  });
});
