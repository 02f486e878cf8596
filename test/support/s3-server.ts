import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real S3-protocol server for end-to-end tests: s3rver (the maintained @20minutes fork) in this process, on
 * 127.0.0.1 with a free port, storing objects in a temporary directory.
 *
 * s3rver does not implement AbortMultipartUpload (it answers 405 MethodNotAllowed) nor ListMultipartUploads
 * (501 NotImplemented). A small extension inserted in front of its router adds both, over s3rver's own on-disk
 * layout for pending uploads and behind its own signature check, so the tests see what a real S3 would answer.
 *
 * s3rver also checks signatures of bucket-level requests (ListObjectsV2, ListMultipartUploads) against "/bucket"
 * while the SDK sends and signs "/bucket/": `client()` gives an SDK client that sends "/bucket" instead.
 * S3Storage itself only sends object-level requests, which are not affected.
 */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Where s3rver keeps buckets, objects and pending multipart uploads. */
  directory: string;
  /** Pending multipart uploads of the bucket, read from s3rver's directory (not through the S3 API). */
  pendingUploadsOnDisk(): Promise<Array<{ uploadId: string; key: string; parts: number }>>;
  /** An SDK client for this server, for looking at the bucket from the tests. */
  client(): S3Client;
  /** The bytes of an object of the bucket (full key, prefix included); rejects when there is none. */
  getObject(key: string): Promise<Buffer>;
  /** Writes (or overwrites) an object of the bucket, behind the service's back. */
  putObject(key: string, body: Buffer | string): Promise<void>;
  stop(): Promise<void>;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  params: Record<string, string | undefined>;
  status: number;
  body: unknown;
}
type KoaNext = () => Promise<unknown>;
type KoaMiddleware = (ctx: KoaContext, next: KoaNext) => Promise<unknown>;

interface S3rverStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucket(bucket: string): Promise<unknown>;
}

interface S3rverInstance {
  middleware: KoaMiddleware[];
  store: S3rverStore;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

interface S3rverOptions {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}

type S3ErrorClass = new (code: string, message?: string, detail?: Record<string, string>) => Error;

// s3rver is CommonJS without type declarations: loaded through require and typed by the interfaces above.
const require = createRequire(import.meta.url);
const S3rver = require('@20minutes/s3rver') as new (options: S3rverOptions) => S3rverInstance;
const authentication = require('@20minutes/s3rver/lib/middleware/authentication') as () => KoaMiddleware;
const S3Error = require('@20minutes/s3rver/lib/models/error') as S3ErrorClass;

export const S3RVER_ACCESS_KEY_ID = 'S3RVER';
export const S3RVER_SECRET_ACCESS_KEY = 'S3RVER';

export async function startS3Server(bucket = 'backups'): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const uploadsDirectory = (name: string): string => server.store.getResourcePath(name, undefined, 'uploads');
  // The router is the last middleware: the extension goes just before it, after s3rver's XML and vhost handling.
  server.middleware.splice(server.middleware.length - 1, 0, multipartExtension(uploadsDirectory, server.store));

  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }

  const endpoint = `http://127.0.0.1:${address.port}`;
  const clients: S3Client[] = [];
  let shared: S3Client | undefined;
  const sharedClient = (): S3Client => (shared ??= newClient());
  const newClient = (): S3Client => {
    const client = s3rverClient(endpoint);
    clients.push(client);
    return client;
  };

  let stopped = false;
  return {
    endpoint,
    bucket,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
    directory,
    pendingUploadsOnDisk: () => listPendingUploads(uploadsDirectory(bucket)),
    client: newClient,
    getObject: async (key) => {
      const response = await sharedClient().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await response.Body!.transformToByteArray());
    },
    putObject: async (key, body) => {
      await sharedClient().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const client of clients) client.destroy();
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

function s3rverClient(endpoint: string): S3Client {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (typeof request.path === 'string' && /^\/[^/]+\/$/.test(request.path)) request.path = request.path.slice(0, -1);
      return next(args);
    },
    { step: 'build', name: 's3rverBucketPath' },
  );
  return client;
}

/** AbortMultipartUpload (DELETE /bucket/key?uploadId=) and ListMultipartUploads (GET /bucket?uploads). */
function multipartExtension(uploadsDirectory: (bucket: string) => string, store: S3rverStore): KoaMiddleware {
  const authenticate = authentication();
  return async (ctx, next) => {
    const [bucket, ...keyParts] = ctx.path.replace(/^\//, '').split('/').map(decodeURIComponent);
    const key = keyParts.join('/');
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    const abortUpload = ctx.method === 'DELETE' && bucket && key && uploadId !== undefined;
    const listUploads = ctx.method === 'GET' && bucket && !key && 'uploads' in ctx.query;
    if (!abortUpload && !listUploads) return next();

    ctx.params = { bucket, key: key || undefined };
    await authenticate(ctx, async () => {
      if (!(await store.getBucket(bucket))) {
        throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
      }
      if (abortUpload) {
        const pending = (await listPendingUploads(uploadsDirectory(bucket))).find((upload) => upload.uploadId === uploadId);
        if (!pending || pending.key !== key) {
          throw new S3Error(
            'NoSuchUpload',
            'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
            { UploadId: uploadId ?? '' },
          );
        }
        await rm(path.join(uploadsDirectory(bucket), pending.uploadId), { recursive: true, force: true });
        ctx.status = 204;
        return;
      }
      const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
      const uploads = (await listPendingUploads(uploadsDirectory(bucket))).filter((upload) => upload.key.startsWith(prefix));
      ctx.body = {
        ListMultipartUploadsResult: {
          '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
          Bucket: bucket,
          KeyMarker: '',
          UploadIdMarker: '',
          Prefix: prefix,
          MaxUploads: 1000,
          IsTruncated: false,
          Upload: uploads.map((upload) => ({
            Key: upload.key,
            UploadId: upload.uploadId,
            Initiated: upload.initiated.toISOString(),
            StorageClass: 'STANDARD',
          })),
        },
      };
    });
  };
}

async function listPendingUploads(
  directory: string,
): Promise<Array<{ uploadId: string; key: string; parts: number; initiated: Date }>> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const uploads = [];
  for (const uploadId of entries.sort()) {
    const uploadDirectory = path.join(directory, uploadId);
    try {
      const files = await readdir(uploadDirectory);
      const parts = files.filter((file) => /^\d+$/.test(file)).length;
      const initiated = (await stat(uploadDirectory)).birthtime;
      // A part that arrives after its upload was removed makes s3rver recreate the directory without a key file:
      // still listed (with an empty key), so that such leftovers show up.
      const key = files.includes('key') ? await readFile(path.join(uploadDirectory, 'key'), 'utf8') : '';
      uploads.push({ uploadId, key, parts, initiated });
    } catch (error) {
      // Removed while listing (completed or aborted meanwhile).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return uploads;
}
