import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { inspect } from 'node:util';
import { InvalidStorageKeyError } from '../src/storage/local.storage.js';
import { S3_PART_SIZE, S3_QUEUE_SIZE, S3Storage, type S3StorageOptions } from '../src/storage/s3.storage.js';
import { startS3Server, type S3TestServer } from './support/s3-server.js';

const MiB = 1024 * 1024;
/** For the tests that move tens of MiB (Jest's own default is 5 s). */
const SLOW_TEST_MS = 180_000;

/** S3 operations a storage's client sent, and how many UploadPart requests were in flight at most. */
interface Recorder {
  commands: string[];
  maxPartsInFlight: number;
  partsDone: number;
}

/** Records the commands of the storage's own client (the one it built from its options). */
function record(storage: S3Storage, options: { partDelayMs?: number } = {}): Recorder {
  const client = (storage as unknown as { client: S3Client }).client;
  const recorder: Recorder = { commands: [], maxPartsInFlight: 0, partsDone: 0 };
  let partsInFlight = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
      recorder.commands.push(command);
      if (command !== 'UploadPart') return next(args);
      partsInFlight += 1;
      recorder.maxPartsInFlight = Math.max(recorder.maxPartsInFlight, partsInFlight);
      try {
        // A slower link: parts stay in flight long enough for the writer to run ahead, if it could.
        if (options.partDelayMs) await delay(options.partDelayMs);
        const result = await next(args);
        recorder.partsDone += 1;
        return result;
      } finally {
        partsInFlight -= 1;
      }
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return recorder;
}

/** Writes `total` random bytes in chunks, waiting for 'drain' whenever write() says so; returns their sha256. */
async function writeRandom(
  stream: Writable,
  total: number,
  options: { chunkSize?: number; end?: boolean; onWritten?: (written: number) => void } = {},
): Promise<{ sha256: string; drains: number }> {
  const chunkSize = options.chunkSize ?? 256 * 1024;
  const hash = createHash('sha256');
  let drains = 0;
  for (let written = 0; written < total; ) {
    const chunk = randomBytes(Math.min(chunkSize, total - written));
    hash.update(chunk);
    const more = stream.write(chunk);
    written += chunk.length;
    options.onWritten?.(written);
    if (!more) {
      drains += 1;
      await once(stream, 'drain');
    }
  }
  if (options.end ?? true) stream.end();
  return { sha256: hash.digest('hex'), drains };
}

async function sha256Of(readable: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(50);
  }
}

describe('S3Storage against an S3-protocol server (s3rver)', () => {
  let server: S3TestServer;
  /** An independent client, for looking at the bucket behind the storage's back. */
  let inspector: S3Client;
  const storages: S3Storage[] = [];

  function storage(overrides: Partial<S3StorageOptions> = {}): S3Storage {
    const created = new S3Storage({
      bucket: server.bucket,
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      ...overrides,
    });
    storages.push(created);
    return created;
  }

  async function objectExists(key: string): Promise<boolean> {
    try {
      await inspector.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }

  async function pendingUploads(prefix: string): Promise<Array<{ Key?: string; UploadId?: string }>> {
    const listed = await inspector.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: prefix }));
    return listed.Uploads ?? [];
  }

  beforeAll(async () => {
    server = await startS3Server();
    inspector = server.client();
  }, SLOW_TEST_MS);

  afterAll(async () => {
    for (const created of storages) created.destroy();
    inspector?.destroy();
    await server?.stop();
  }, SLOW_TEST_MS);

  it('stores a few bytes with one PutObject and reads them back', async () => {
    const s3 = storage();
    const recorder = record(s3);
    const upload = await s3.createUpload('db-1/small.dump');
    upload.stream.end(Buffer.from('hello, s3'));
    const stored = await upload.commit();

    expect(stored).toEqual({ key: 'db-1/small.dump', location: `s3://${server.bucket}/db-1/small.dump`, sizeBytes: 9 });
    expect(recorder.commands).toEqual(['PutObject', 'HeadObject']);
    expect(await s3.size('db-1/small.dump')).toBe(9);
    expect(Buffer.concat(await (await s3.openRead('db-1/small.dump')).toArray()).toString()).toBe('hello, s3');
  });

  it('streams ~40 MB as a multipart upload with back-pressure, at most 2 parts in flight', async () => {
    const s3 = storage();
    const recorder = record(s3);
    const total = 40 * MiB + 12_345;
    const upload = await s3.createUpload('db-1/large.dump');
    const { sha256, drains } = await writeRandom(upload.stream, total);
    const stored = await upload.commit();

    expect(stored).toEqual({ key: 'db-1/large.dump', location: `s3://${server.bucket}/db-1/large.dump`, sizeBytes: total });
    const parts = Math.ceil(total / S3_PART_SIZE);
    expect(parts).toBe(3);
    expect(recorder.commands.filter((command) => command === 'UploadPart')).toHaveLength(parts);
    expect(recorder.commands[0]).toBe('CreateMultipartUpload');
    expect(recorder.commands.slice(-2)).toEqual(['CompleteMultipartUpload', 'HeadObject']);
    expect(recorder.maxPartsInFlight).toBeLessThanOrEqual(2);
    // The writer was held back while parts were going up, instead of buffering the whole dump.
    expect(drains).toBeGreaterThan(0);

    expect(await s3.size('db-1/large.dump')).toBe(total);
    expect(await sha256Of(await s3.openRead('db-1/large.dump'))).toBe(sha256);
    expect(await pendingUploads('db-1/')).toEqual([]);
  }, SLOW_TEST_MS);

  it('holds the writer back to the parts in flight plus the one being filled on a slow link', async () => {
    const s3 = storage();
    const recorder = record(s3, { partDelayMs: 1000 });
    const total = 6 * S3_PART_SIZE + 1000;
    let maxAhead = 0;
    const upload = await s3.createUpload('db-1/slow-link.dump');
    const { sha256 } = await writeRandom(upload.stream, total, {
      onWritten: (written) => {
        maxAhead = Math.max(maxAhead, written - recorder.partsDone * S3_PART_SIZE);
      },
    });
    expect((await upload.commit()).sizeBytes).toBe(total);

    expect(recorder.maxPartsInFlight).toBe(S3_QUEUE_SIZE);
    // Bytes accepted from the writer and not yet stored: the parts in flight, the part being filled, stream buffers.
    expect(maxAhead).toBeGreaterThan(S3_QUEUE_SIZE * S3_PART_SIZE);
    expect(maxAhead).toBeLessThanOrEqual((S3_QUEUE_SIZE + 1) * S3_PART_SIZE + MiB);
    expect(await sha256Of(await s3.openRead('db-1/slow-link.dump'))).toBe(sha256);
    await s3.delete('db-1/slow-link.dump');
  }, SLOW_TEST_MS);

  it('abort in the middle of a multipart upload leaves no object and no pending upload', async () => {
    const s3 = storage();
    const recorder = record(s3);
    const key = 'db-2/aborted.dump';
    const upload = await s3.createUpload(key);
    // More than one part, and the stream left open: the upload is in progress.
    await writeRandom(upload.stream, S3_PART_SIZE + 4 * MiB, { end: false });
    const pending = await waitFor('a stored part', async () => {
      const onDisk = await server.pendingUploadsOnDisk();
      return onDisk.find((candidate) => candidate.key === key && candidate.parts >= 1);
    });
    expect(await pendingUploads('db-2/')).toEqual([expect.objectContaining({ Key: key, UploadId: pending.uploadId })]);

    await upload.abort();

    expect(recorder.commands).toContain('AbortMultipartUpload');
    expect(recorder.commands).not.toContain('CompleteMultipartUpload');
    expect(recorder.commands).not.toContain('PutObject');
    expect(await objectExists(key)).toBe(false);
    expect(await s3.size(key)).toBeNull();
    expect(await pendingUploads('db-2/')).toEqual([]);
    const leftOnDisk = await server.pendingUploadsOnDisk();
    expect(leftOnDisk.filter((entry) => entry.key === '' || entry.key.startsWith('db-2/'))).toEqual([]);
    // Idempotent, and the upload can no longer be committed or written to.
    await expect(upload.abort()).resolves.toBeUndefined();
    await expect(upload.commit()).rejects.toThrow(/was aborted/);
    expect(upload.stream.destroyed).toBe(true);
  }, SLOW_TEST_MS);

  it('abort before any byte was written sends nothing and leaves nothing', async () => {
    const s3 = storage();
    const recorder = record(s3);
    const upload = await s3.createUpload('db-3/empty.dump');
    await upload.abort();
    expect(recorder.commands).toEqual([]);
    expect(await s3.size('db-3/empty.dump')).toBeNull();
    expect(await pendingUploads('db-3/')).toEqual([]);
  });

  it('abort after the writer ended (single PutObject done or in flight) deletes the object', async () => {
    const s3 = storage();
    const upload = await s3.createUpload('db-3/ended.dump');
    upload.stream.end(Buffer.from('complete but unwanted'));
    await waitFor('the PutObject', async () => ((await objectExists('db-3/ended.dump')) ? true : undefined));
    await upload.abort();
    expect(await objectExists('db-3/ended.dump')).toBe(false);
  });

  it('abort after a successful commit removes the committed object', async () => {
    const s3 = storage();
    const upload = await s3.createUpload('db-3/committed.dump');
    upload.stream.end(Buffer.from('abc'));
    expect((await upload.commit()).sizeBytes).toBe(3);
    await upload.abort();
    expect(await s3.size('db-3/committed.dump')).toBeNull();
  });

  it('size() of a missing key is null, openRead() of one fails readably', async () => {
    const s3 = storage();
    expect(await s3.size('db-9/missing.dump')).toBeNull();
    await expect(s3.openRead('db-9/missing.dump')).rejects.toThrow(
      `S3 read from bucket ${server.bucket} failed (key db-9/missing.dump): NoSuchKey`,
    );
  });

  it('delete() removes an object and may be repeated', async () => {
    const s3 = storage();
    const upload = await s3.createUpload('db-4/delete-me.dump');
    upload.stream.end(Buffer.from('x'));
    await upload.commit();
    await s3.delete('db-4/delete-me.dump');
    await s3.delete('db-4/delete-me.dump');
    expect(await s3.size('db-4/delete-me.dump')).toBeNull();
  });

  it('keys land under the normalised prefix', async () => {
    const prefixed = storage({ prefix: '/team-a//nightly/' });
    const plain = storage();
    const upload = await prefixed.createUpload('db-5/prefixed.dump');
    upload.stream.end(Buffer.from('prefixed'));
    const stored = await upload.commit();

    expect(stored.key).toBe('db-5/prefixed.dump');
    expect(stored.location).toBe(`s3://${server.bucket}/team-a/nightly/db-5/prefixed.dump`);
    const listed = await inspector.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'team-a/' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['team-a/nightly/db-5/prefixed.dump']);
    expect(await prefixed.size('db-5/prefixed.dump')).toBe(8);
    expect(await plain.size('db-5/prefixed.dump')).toBeNull();
    expect(await plain.size('team-a/nightly/db-5/prefixed.dump')).toBe(8);
    await prefixed.delete('db-5/prefixed.dump');
    expect(await plain.size('team-a/nightly/db-5/prefixed.dump')).toBeNull();
  });

  it('rejects keys that would escape the prefix', async () => {
    const s3 = storage({ prefix: 'team-b' });
    await expect(s3.createUpload('../escape.dump')).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(s3.size('/absolute.dump')).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(s3.delete('db-1//double.dump')).rejects.toBeInstanceOf(InvalidStorageKeyError);
  });

  it('checkWritable() passes and leaves no probe object behind', async () => {
    const s3 = storage({ prefix: 'probe-check' });
    await s3.checkWritable();
    const listed = await inspector.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'probe-check/' }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('checkWritable() fails readably for a bucket that does not exist', async () => {
    const s3 = storage({ bucket: 'no-such-bucket' });
    await expect(s3.checkWritable()).rejects.toThrow(
      /^S3 bucket no-such-bucket is not writable: NoSuchBucket: The specified bucket does not exist \(HTTP 404\)$/,
    );
  });

  it('an endpoint nobody listens on gives a readable connection error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const s3 = storage({ endpoint: `http://127.0.0.1:${port}` });
    await expect(s3.checkWritable()).rejects.toThrow(
      new RegExp(`^S3 bucket ${server.bucket} is not writable: (ECONNREFUSED: )?connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`),
    );
  });

  describe('with wrong credentials', () => {
    const wrongSecret = `wrong-secret-${randomBytes(12).toString('hex')}`;

    function expectReadableWithoutSecret(error: unknown, pattern: RegExp, secret: string): void {
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(pattern);
      expect(inspect(error, { depth: 10 })).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }

    it('a wrong secret key gives a readable error that does not contain it', async () => {
      const s3 = storage({ secretAccessKey: wrongSecret });
      const error = await s3.checkWritable().then(() => undefined, (caught: unknown) => caught);
      expectReadableWithoutSecret(error, /^S3 bucket backups is not writable: SignatureDoesNotMatch: /, wrongSecret);
      const sizeError = await s3.size('db-1/small.dump').then(() => undefined, (caught: unknown) => caught);
      expectReadableWithoutSecret(sizeError, /^S3 size lookup in bucket backups failed \(key db-1\/small\.dump\): .*HTTP 403/, wrongSecret);
    });

    it('a wrong access key id is named as such', async () => {
      const s3 = storage({ accessKeyId: 'NOT-A-KEY', secretAccessKey: wrongSecret });
      const error = await s3.checkWritable().then(() => undefined, (caught: unknown) => caught);
      expectReadableWithoutSecret(error, /^S3 bucket backups is not writable: InvalidAccessKeyId: /, wrongSecret);
    });

    it('a rejected multipart upload fails the writer instead of leaving it waiting, and commit() says why', async () => {
      const s3 = storage({ secretAccessKey: wrongSecret });
      const upload = await s3.createUpload('db-6/denied.dump');
      async function* source(): AsyncGenerator<Buffer> {
        for (let index = 0; index < 40; index += 1) yield randomBytes(MiB);
      }
      const written = await pipeline(Readable.from(source()), upload.stream).then(() => undefined, (caught: unknown) => caught);
      expectReadableWithoutSecret(written, /^S3 upload to bucket backups failed \(key db-6\/denied\.dump\): SignatureDoesNotMatch/, wrongSecret);
      const committed = await upload.commit().then(() => undefined, (caught: unknown) => caught);
      expectReadableWithoutSecret(committed, /^S3 upload to bucket backups failed \(key db-6\/denied\.dump\): SignatureDoesNotMatch/, wrongSecret);
      await expect(upload.abort()).resolves.toBeUndefined();
      expect(await objectExists('db-6/denied.dump')).toBe(false);
    }, SLOW_TEST_MS);
  });
});
