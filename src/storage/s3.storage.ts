import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { finished, PassThrough, Readable, type TransformCallback } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { InvalidStorageKeyError } from './local.storage.js';
import type { BackupStorage, PendingUpload, StoredObject } from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  /** Defaults to us-east-1 (what MinIO, Ceph and most S3-compatible servers expect; R2 takes "auto"). */
  region?: string;
  /** For S3-compatible servers (MinIO, R2, Ceph...): e.g. https://minio.example.com:9000. */
  endpoint?: string;
  /** Addresses objects as endpoint/bucket/key instead of bucket.endpoint/key (MinIO, Ceph). */
  forcePathStyle?: boolean;
  /** Keys are stored under this prefix (leading and trailing slashes are normalised away; a "/" joins it to keys). */
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Resolves the endpoint's host for every connection (the target host policy); default: the system resolver. */
  lookup?: LookupFunction;
}

/** Multipart part size: memory held per upload is about (queue size + 1) parts. */
export const S3_PART_SIZE = 16 * 1024 * 1024;
/** Parts uploaded at the same time for one upload. */
export const S3_QUEUE_SIZE = 2;
/** How long abort() waits for parts in flight to finish before aborting the multipart upload anyway. */
const ABORT_SETTLE_MS = 30_000;

/** A failed S3 request, described for people: the operation, the bucket, the S3 error code and message. */
export class S3StorageError extends Error {
  override readonly name = 'S3StorageError';

  constructor(
    message: string,
    /** The S3 error code (AccessDenied, NoSuchBucket...) or network error code, when known. */
    readonly code?: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

/** Backups as objects in an S3 bucket (AWS S3 or an S3-compatible server), streamed up with multipart uploads. */
export class S3Storage implements BackupStorage {
  readonly kind = 's3';
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly secret: string;

  /** `client`: an S3Client to reuse (its own credentials and endpoint then apply). */
  constructor(options: S3StorageOptions, client?: S3Client) {
    if (!options.bucket) throw new S3StorageError('S3 storage needs a bucket name');
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.prefix);
    this.secret = options.secretAccessKey;
    if (client) {
      this.client = client;
      this.ownsClient = false;
      return;
    }
    const endpoint = options.endpoint?.trim() || undefined;
    if (endpoint !== undefined) checkEndpoint(endpoint);
    this.client = new S3Client({
      region: options.region?.trim() || 'us-east-1',
      endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // S3-compatible servers (older MinIO, Ceph, R2...) do not all accept the SDK's default CRC32 checksums on
      // every upload; AWS itself gets them, and follows a bucket that lives in another region.
      requestChecksumCalculation: endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      responseChecksumValidation: endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      followRegionRedirects: endpoint === undefined,
      maxAttempts: 3,
      requestHandler: options.lookup ? checkedAgents(options.lookup) : undefined,
    });
    this.ownsClient = true;
  }

  /** The object key for a storage key: under the prefix. */
  objectKey(key: string): string {
    if (
      !/^[A-Za-z0-9._/-]+$/.test(key) ||
      key.startsWith('/') ||
      key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')
    ) {
      throw new InvalidStorageKeyError(`Invalid storage key: ${key}`);
    }
    return this.prefix + key;
  }

  locationOf(objectKey: string): string {
    return `s3://${this.bucket}/${objectKey}`;
  }

  async createUpload(key: string): Promise<PendingUpload> {
    const objectKey = this.objectKey(key);
    // The writer's stream is piped into the body lib-storage reads, not handed to it: lib-storage destroys the
    // stream it reads with a bare AbortError when it gives up, and the writer should learn the S3 error instead.
    const stream = new CountingPassThrough();
    const body = new PassThrough();
    stream.pipe(body);
    // The writer sees failures through its pipeline or write callbacks, and commit() reports them: an 'error'
    // event nobody listens to must not take the process down.
    stream.on('error', () => undefined);
    body.on('error', () => undefined);
    // A writer that fails (or destroys the stream) ends the upload too: lib-storage then aborts the multipart upload.
    finished(stream, { readable: false }, (error) => {
      if (error && !body.destroyed) body.destroy(error);
    });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: body, ContentType: 'application/octet-stream' },
      partSize: S3_PART_SIZE,
      queueSize: S3_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    // Started now: parts go up while the writer writes, and the writer waits (back-pressure) while
    // S3_QUEUE_SIZE parts are in flight and the next one is full.
    const outcome: Promise<{ ok: true } | { ok: false; error: unknown }> = upload.done().then(
      () => ({ ok: true }),
      (error: unknown) => ({ ok: false, error }),
    );
    let aborted = false;
    void outcome.then((result) => {
      // The upload stopped taking bytes: fail the writer rather than leave it waiting for 'drain' forever.
      if (!result.ok && !aborted && !stream.destroyed) {
        stream.destroy(this.failure(`S3 upload to bucket ${this.bucket} failed`, result.error, objectKey));
      }
    });

    let committing: Promise<StoredObject> | undefined;
    let aborting: Promise<void> | undefined;

    const commit = async (): Promise<StoredObject> => {
      if (aborted) throw new S3StorageError(`S3 upload of ${this.locationOf(objectKey)} was aborted`);
      if (!stream.writableEnded && !stream.destroyed) stream.end();
      const result = await outcome;
      if (!result.ok) throw this.failure(`S3 upload to bucket ${this.bucket} failed`, result.error, objectKey);
      let sizeBytes: number | undefined;
      try {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
        sizeBytes = head.ContentLength;
      } catch (error) {
        await this.deleteQuietly(objectKey);
        throw this.failure(`S3 upload to bucket ${this.bucket} could not be confirmed`, error, objectKey);
      }
      if (sizeBytes !== stream.bytes) {
        await this.deleteQuietly(objectKey);
        throw new S3StorageError(
          `S3 upload to bucket ${this.bucket} (key ${objectKey}) stored ${sizeBytes ?? 'an unknown number of'} bytes, ` +
            `${stream.bytes} were written; the object was deleted`,
        );
      }
      return { key, location: this.locationOf(objectKey), sizeBytes };
    };

    const abort = async (): Promise<void> => {
      aborted = true;
      // Once the writer has ended the stream, a single PutObject or the CompleteMultipartUpload may have been sent.
      const mayHaveObject = stream.writableEnded;
      // Ends the data the upload reads: the parts in flight finish, no other starts, and lib-storage aborts the
      // multipart upload (leavePartsOnError: false) before `outcome` settles.
      stream.destroy();
      body.destroy();
      const timer = new AbortController();
      const settled = await Promise.race([
        outcome,
        delay(ABORT_SETTLE_MS, undefined, { ref: false, signal: timer.signal }).catch(() => undefined),
      ]);
      timer.abort();
      if (settled === undefined) await upload.abort();
      if (upload.uploadId && !settled?.ok) {
        // Again, in case lib-storage's own AbortMultipartUpload failed or has not run yet.
        try {
          await this.client.send(
            new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId: upload.uploadId }),
          );
        } catch (error) {
          if (!isNoSuchUpload(error)) {
            throw this.failure(`S3 abort of the multipart upload to bucket ${this.bucket} failed`, error, objectKey);
          }
        }
      }
      if (mayHaveObject || settled?.ok || settled === undefined) {
        try {
          await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
        } catch (error) {
          if (!isNotFound(error)) {
            throw this.failure(`S3 delete of the aborted upload in bucket ${this.bucket} failed`, error, objectKey);
          }
        }
      }
    };

    return {
      stream,
      commit: () => (committing ??= commit()),
      abort: () => (aborting ??= abort()),
    };
  }

  async openRead(key: string): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      const body = response.Body;
      if (!(body instanceof Readable)) {
        (body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new S3StorageError(`S3 read of ${this.locationOf(objectKey)} returned no readable body`);
      }
      return body;
    } catch (error) {
      if (error instanceof S3StorageError) throw error;
      throw this.failure(`S3 read from bucket ${this.bucket} failed`, error, objectKey);
    }
  }

  async size(key: string): Promise<number | null> {
    const objectKey = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return head.ContentLength ?? null;
    } catch (error) {
      if (isNotFound(error) && errorName(error) !== 'NoSuchBucket') return null;
      throw this.failure(`S3 size lookup in bucket ${this.bucket} failed`, error, objectKey);
    }
  }

  /** Deleting a missing object succeeds. */
  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if (isNotFound(error) && errorName(error) !== 'NoSuchBucket') return;
      throw this.failure(`S3 delete from bucket ${this.bucket} failed`, error, objectKey);
    }
  }

  /** Writes and deletes a small probe object under the prefix. */
  async checkWritable(): Promise<void> {
    const probeKey = `${this.prefix}.write-probe-${randomBytes(6).toString('hex')}`;
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: probeKey, Body: 'write probe', ContentType: 'text/plain' }),
      );
    } catch (error) {
      throw this.failure(`S3 bucket ${this.bucket} is not writable`, error);
    }
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: probeKey }));
    } catch (error) {
      throw this.failure(`S3 bucket ${this.bucket} accepted a write but not a delete`, error, probeKey);
    }
  }

  /** Closes the connections of the client this storage created (not of one it was given). */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private async deleteQuietly(objectKey: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })).catch(() => undefined);
  }

  /** A readable error for a failed request; the secret key never appears in it, even if a server echoed it. */
  private failure(what: string, error: unknown, objectKey?: string): S3StorageError {
    const name = errorName(error);
    const status = statusOf(error);
    const target = objectKey === undefined ? '' : ` (key ${objectKey})`;
    const message = `${what}${target}: ${describe(error, name, status)}`;
    return new S3StorageError(redact(message, this.secret), name, status);
  }
}

/** A PassThrough that counts the bytes written to it. */
class CountingPassThrough extends PassThrough {
  bytes = 0;

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

function normalisePrefix(prefix: string | undefined): string {
  const parts = (prefix ?? '')
    .trim()
    .split('/')
    .filter((part) => part !== '');
  if (parts.some((part) => part === '.' || part === '..')) {
    throw new S3StorageError(`Invalid S3 key prefix: ${prefix}`);
  }
  return parts.length ? `${parts.join('/')}/` : '';
}

/** The SDK's default agent settings, with connections resolved through `lookup`. */
function checkedAgents(lookup: LookupFunction) {
  const settings = { keepAlive: true, maxSockets: 50, lookup };
  return { httpAgent: new HttpAgent(settings), httpsAgent: new HttpsAgent(settings) };
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new S3StorageError(`Invalid S3 endpoint "${endpoint}": expected a URL such as https://minio.example.com:9000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new S3StorageError(`Invalid S3 endpoint "${endpoint}": only http and https URLs are supported`);
  }
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function errorName(error: unknown): string | undefined {
  const sdk = error as SdkError | undefined;
  const name = sdk?.Code ?? sdk?.code ?? sdk?.name;
  return name && name !== 'Error' && !/^\d+$/.test(name) ? name : undefined;
}

function statusOf(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return statusOf(error) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

function isNoSuchUpload(error: unknown): boolean {
  return errorName(error) === 'NoSuchUpload' || statusOf(error) === 404;
}

/** What went wrong, in words: the S3 error code and message, or what an HTTP status means when there is no body. */
function describe(error: unknown, name: string | undefined, status: number | undefined): string {
  // The SDK wraps errors that are not an `Error` of its own realm (as under Jest's VM modules) in a message of its own.
  const raw = (error as SdkError | undefined)?.message?.replace(/^AWS SDK error wrapper for (\w*Error: )?/, '').trim();
  const message = raw && raw !== 'UnknownError' && raw !== name ? raw : undefined;
  const http = status === undefined ? '' : ` (HTTP ${status})`;
  if (message) return `${name && !message.includes(name) ? `${name}: ` : ''}${message}${http}`;
  switch (status) {
    case 301:
      return `the bucket is in another region or needs another endpoint${http}`;
    case 400:
      return `bad request; check the region and endpoint${http}`;
    case 403:
      return `${name ?? 'AccessDenied'}: access denied; check the access key, secret key and bucket policy${http}`;
    case 404:
      return `${name ?? 'NotFound'}: the bucket or object does not exist${http}`;
    default:
      return `${name ?? 'unknown error'}${http}`;
  }
}

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}
