import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ts from 'typescript';
import { decryptFile, main, readKeyFromEnvironment } from '../../cli/decrypt-backup.js';
import {
  BackupDecryptionError,
  type BackupDecryptionFailure,
  CHUNK_TAG_LENGTH,
  chunkNonce,
  createDecryptStream,
  createEncryptStream,
  DEFAULT_CHUNK_SIZE,
  ENCRYPTED_FILE_MAGIC,
  ENCRYPTED_HEADER_LENGTH,
  encryptedSize,
  isEncryptedHeader,
  keyId,
  MAX_CHUNK_SIZE,
  parseBackupEncryptionKey,
} from './backup-cipher.js';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const HEADER = ENCRYPTED_HEADER_LENGTH;
const TAG = CHUNK_TAG_LENGTH;

/** Runs `pieces` through `stream`; resolves with everything it emitted. */
async function run(stream: Transform, pieces: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    stream,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

/** Cuts `data` into pieces of random sizes up to `max` (some of them empty). */
function randomPieces(data: Buffer, max: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; ) {
    const size = randomInt(0, max + 1);
    pieces.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return pieces;
}

/** Byte comparison: jest's toEqual walks a Buffer element by element (seconds for a few MB). */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

const encrypt = (data: Buffer, chunkSize?: number, key = KEY) => run(createEncryptStream(key, chunkSize), [data]);
const decrypt = (data: Buffer, key = KEY) => run(createDecryptStream(key), [data]);

async function decryptionFailure(data: Buffer, key = KEY): Promise<BackupDecryptionError> {
  const error = await decrypt(data, key).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BackupDecryptionError);
  return error as BackupDecryptionError;
}

async function expectFailure(data: Buffer, reason: BackupDecryptionFailure, message: string | RegExp, key = KEY): Promise<void> {
  const error = await decryptionFailure(data, key);
  expect(error.reason).toBe(reason);
  expect(error.message).toMatch(message);
}

/** Splits an encrypted file into header and records (every record full size but the last). */
function records(file: Buffer): { header: Buffer; chunks: Buffer[] } {
  const header = file.subarray(0, HEADER);
  const recordSize = header.readUInt32BE(83) + TAG;
  const chunks: Buffer[] = [];
  for (let offset = HEADER; offset < file.length; offset += recordSize) chunks.push(file.subarray(offset, offset + recordSize));
  return { header, chunks };
}

/**
 * An independent implementation of the format exactly as docs/encryption.md describes it, to
 * check the bytes on disk and to build files this writer never makes (a full-size final chunk).
 */
const reference = {
  wrapAad: (header: Buffer) => Buffer.concat([header.subarray(0, 16), header.subarray(76, 87)]),
  nonce(prefix: Buffer, counter: number, final: boolean): Buffer {
    const nonce = Buffer.alloc(12);
    prefix.copy(nonce);
    nonce.writeUInt32BE(counter, 7);
    nonce[11] = final ? 1 : 0;
    return nonce;
  },
  decrypt(file: Buffer, masterKey: Buffer): Buffer {
    const header = file.subarray(0, 87);
    expect(header.subarray(0, 8).toString('ascii')).toBe('DBBKENC1');
    expect(header.subarray(8, 16)).toEqual(createHash('sha256').update(masterKey).digest().subarray(0, 8));
    const unwrap = createDecipheriv('aes-256-gcm', masterKey, header.subarray(16, 28));
    unwrap.setAAD(reference.wrapAad(header));
    unwrap.setAuthTag(header.subarray(60, 76));
    const dataKey = Buffer.concat([unwrap.update(header.subarray(28, 60)), unwrap.final()]);
    const prefix = header.subarray(76, 83);
    const recordSize = header.readUInt32BE(83) + 16;
    const plain: Buffer[] = [];
    let counter = 0;
    for (let offset = 87; offset < file.length; offset += recordSize, counter++) {
      const record = file.subarray(offset, offset + recordSize);
      const final = offset + recordSize >= file.length;
      const decipher = createDecipheriv('aes-256-gcm', dataKey, reference.nonce(prefix, counter, final));
      decipher.setAAD(header);
      decipher.setAuthTag(record.subarray(record.length - 16));
      plain.push(decipher.update(record.subarray(0, record.length - 16)), decipher.final());
    }
    return Buffer.concat(plain);
  },
  /** Chunks of exactly `chunkSize`, the last one marked final even when full (never empty unless all is). */
  encrypt(plain: Buffer, masterKey: Buffer, chunkSize: number): Buffer {
    const header = Buffer.alloc(87);
    header.write('DBBKENC1', 0, 'ascii');
    createHash('sha256').update(masterKey).digest().copy(header, 8, 0, 8);
    randomBytes(7).copy(header, 76);
    header.writeUInt32BE(chunkSize, 83);
    const dataKey = randomBytes(32);
    const wrapIv = randomBytes(12);
    const wrap = createCipheriv('aes-256-gcm', masterKey, wrapIv);
    wrap.setAAD(reference.wrapAad(header));
    wrapIv.copy(header, 16);
    Buffer.concat([wrap.update(dataKey), wrap.final()]).copy(header, 28);
    wrap.getAuthTag().copy(header, 60);
    const parts = [header];
    const count = Math.max(1, Math.ceil(plain.length / chunkSize));
    for (let index = 0; index < count; index++) {
      const cipher = createCipheriv('aes-256-gcm', dataKey, reference.nonce(header.subarray(76, 83), index, index === count - 1));
      cipher.setAAD(header);
      parts.push(cipher.update(plain.subarray(index * chunkSize, (index + 1) * chunkSize)), cipher.final(), cipher.getAuthTag());
    }
    return Buffer.concat(parts);
  },
};

describe('backup cipher', () => {
  describe('round trips', () => {
    const C = DEFAULT_CHUNK_SIZE;
    it.each([
      ['empty', 0],
      ['1 byte', 1],
      ['chunk - 1', C - 1],
      ['exactly one chunk', C],
      ['chunk + 1', C + 1],
      ['exactly 3 chunks', 3 * C],
    ])('%s (%i bytes) with the default chunk size', async (_name, size) => {
      const plain = randomBytes(size);
      const file = await encrypt(plain);
      expect(file.length).toBe(HEADER + size + TAG * (Math.floor(size / C) + 1));
      expect(file.length).toBe(encryptedSize(size));
      expectSameBytes(await decrypt(file), plain);
      expectSameBytes(reference.decrypt(file, KEY), plain);
    });

    it.each([0, 1, 15, 16, 17, 48, 1000])('%i bytes with 16-byte chunks', async (size) => {
      const plain = randomBytes(size);
      const file = await encrypt(plain, 16);
      expect(file.length).toBe(HEADER + size + TAG * (Math.floor(size / 16) + 1));
      expectSameBytes(await decrypt(file), plain);
      expectSameBytes(reference.decrypt(file, KEY), plain);
    });

    it('~5 MB of random data written and read back in random-sized pieces', async () => {
      const plain = randomBytes(5 * 1024 * 1024 + 12_345);
      const file = await run(createEncryptStream(KEY), randomPieces(plain, 200_000));
      expect(file.length).toBe(encryptedSize(plain.length));
      // Small pieces too, so the header and the records arrive split everywhere.
      expectSameBytes(await run(createDecryptStream(KEY), randomPieces(file, 100)), plain);
      expectSameBytes(await run(createDecryptStream(KEY), randomPieces(file, 300_000)), plain);
    });

    it('decrypts a file byte by byte', async () => {
      const plain = randomBytes(100);
      const file = await encrypt(plain, 16);
      expectSameBytes(await run(createDecryptStream(KEY), [...file].map((byte) => Buffer.from([byte]))), plain);
    });

    it('accepts a full-size final chunk (allowed by the format, though this writer never makes one)', async () => {
      for (const size of [16, 48]) {
        const plain = randomBytes(size);
        const file = reference.encrypt(plain, KEY, 16);
        expect(file.length).toBe(HEADER + size + TAG * (size / 16));
        expectSameBytes(await decrypt(file), plain);
      }
    });
  });

  describe('format', () => {
    it('writes the documented header', async () => {
      const file = await encrypt(Buffer.from('hello'), 1000);
      expect(file.subarray(0, 8).toString('ascii')).toBe(ENCRYPTED_FILE_MAGIC);
      expect(ENCRYPTED_FILE_MAGIC).toBe('DBBKENC1');
      expect(file.subarray(8, 16)).toEqual(keyId(KEY));
      expect(file.readUInt32BE(83)).toBe(1000);
      expect(HEADER).toBe(8 + 8 + 12 + 32 + 16 + 7 + 4);
      expect(file.length).toBe(HEADER + 5 + TAG);
    });

    it('uses 64 KiB chunks by default', async () => {
      expect((await encrypt(Buffer.alloc(0))).readUInt32BE(83)).toBe(64 * 1024);
    });

    it('encrypts the same data differently every time (fresh data key, wrap IV and nonce prefix)', async () => {
      const plain = Buffer.alloc(1000, 'a');
      const [a, b] = await Promise.all([encrypt(plain), encrypt(plain)]);
      expect(a.subarray(0, 16)).toEqual(b.subarray(0, 16));
      for (const [start, end] of [
        [16, 28],
        [28, 60],
        [60, 76],
        [76, 83],
        [HEADER, a.length],
      ]) {
        expect(a.subarray(start, end)).not.toEqual(b.subarray(start, end));
      }
    });

    it('keyId is the first 8 bytes of sha256(master key)', () => {
      expect(keyId(KEY)).toEqual(createHash('sha256').update(KEY).digest().subarray(0, 8));
      expect(keyId(KEY)).toHaveLength(8);
    });

    it('isEncryptedHeader recognises the magic', async () => {
      const file = await encrypt(Buffer.from('x'));
      expect(isEncryptedHeader(file)).toBe(true);
      expect(isEncryptedHeader(file.subarray(0, 8))).toBe(true);
      expect(isEncryptedHeader(new Uint8Array(file.subarray(0, 20)))).toBe(true);
      expect(isEncryptedHeader(file.subarray(0, 7))).toBe(false);
      expect(isEncryptedHeader(Buffer.alloc(0))).toBe(false);
      expect(isEncryptedHeader(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0, 0]))).toBe(false);
      expect(isEncryptedHeader(Buffer.from('DBBKENC2........'))).toBe(false);
    });

    it('chunk nonces are prefix | counter uint32 BE | final flag, and the counter stops at 2^32 - 1', () => {
      const prefix = Buffer.from([1, 2, 3, 4, 5, 6, 7]);
      expect(chunkNonce(prefix, 0x01020304, true)).toEqual(Buffer.from([1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 1]));
      expect(chunkNonce(prefix, 2 ** 32 - 1, false).subarray(7)).toEqual(Buffer.from([255, 255, 255, 255, 0]));
      expect(() => chunkNonce(prefix, 2 ** 32, false)).toThrow(/at most 2\^32 chunks/);
      expect(() => chunkNonce(prefix, -1, false)).toThrow(RangeError);
    });

    it('refuses a master key that is not 32 bytes and a chunk size out of range', () => {
      expect(() => createEncryptStream(Buffer.alloc(16))).toThrow('must be 32 bytes');
      expect(() => createDecryptStream(Buffer.alloc(33))).toThrow('must be 32 bytes');
      expect(() => keyId(Buffer.alloc(0))).toThrow('must be 32 bytes');
      for (const chunkSize of [0, -1, 1.5, Number.NaN, MAX_CHUNK_SIZE + 1]) {
        expect(() => createEncryptStream(KEY, chunkSize)).toThrow(RangeError);
      }
      expect(() => createEncryptStream(KEY, MAX_CHUNK_SIZE)).not.toThrow();
    });
  });

  describe('parseBackupEncryptionKey', () => {
    const valid = Buffer.alloc(32, 9).toString('base64');

    it('decodes 32 bytes of padded base64, ignoring surrounding whitespace', () => {
      expect(parseBackupEncryptionKey(valid)).toEqual(Buffer.alloc(32, 9));
      expect(parseBackupEncryptionKey(`  ${valid}\n`)).toEqual(Buffer.alloc(32, 9));
    });

    it.each([
      ['empty', ''],
      ['16 bytes', Buffer.alloc(16, 1).toString('base64')],
      ['48 bytes', Buffer.alloc(48, 1).toString('base64')],
      ['not base64', '!'.repeat(43) + '='],
      ['missing padding', valid.slice(0, 43)],
      ['base64url', Buffer.alloc(32, 0xfb).toString('base64url') + '='],
      ['inner whitespace', `${valid.slice(0, 20)} ${valid.slice(20)}`],
    ])('refuses %s without repeating the value', (_kind, text) => {
      expect(() => parseBackupEncryptionKey(text)).toThrow('BACKUP_ENCRYPTION_KEY must be 32 bytes encoded in base64');
      try {
        parseBackupEncryptionKey(text);
      } catch (error) {
        if (text) expect((error as Error).message).not.toContain(text.trim());
      }
    });
  });

  describe('failures', () => {
    const CHUNK = 16;
    let plain: Buffer;
    let file: Buffer; // 3 full chunks + a 2-byte final chunk

    beforeAll(async () => {
      plain = randomBytes(3 * CHUNK + 2);
      file = await encrypt(plain, CHUNK);
      expect(records(file).chunks.map((chunk) => chunk.length)).toEqual([32, 32, 32, 18]);
    });

    it('every single flipped bit anywhere in the file is detected', async () => {
      const reasons = new Map<number, BackupDecryptionFailure>();
      for (let position = 0; position < file.length; position++) {
        const altered = Buffer.from(file);
        altered[position]! ^= 1 << position % 8;
        reasons.set(position, (await decryptionFailure(altered)).reason);
      }
      const at = (start: number, end: number) => new Set([...reasons].filter(([p]) => p >= start && p < end).map(([, r]) => r));
      expect(at(0, 8)).toEqual(new Set(['not-encrypted']));
      expect(at(8, 16)).toEqual(new Set(['wrong-key']));
      expect(at(16, HEADER)).toEqual(new Set(['tampered'])); // wrap IV, key, tag, nonce prefix, chunk size
      expect(at(HEADER, HEADER + 96)).toEqual(new Set(['tampered']));
      expect(at(HEADER + 96, file.length)).toEqual(new Set(['truncated-or-tampered']));
    });

    it('names the header, or the chunk, that failed', async () => {
      const flip = (position: number) => {
        const altered = Buffer.from(file);
        altered[position]! ^= 0x80;
        return altered;
      };
      await expectFailure(flip(0), 'not-encrypted', 'not an encrypted backup file');
      await expectFailure(flip(8), 'wrong-key', 'encrypted with a different key');
      await expectFailure(flip(30), 'tampered', 'file was tampered with (header failed authentication)');
      await expectFailure(flip(84), 'tampered', 'file was tampered with (header failed authentication)'); // chunk size
      await expectFailure(flip(HEADER), 'tampered', 'file was tampered with (chunk 0 failed authentication)');
      await expectFailure(flip(HEADER + 31), 'tampered', 'file was tampered with (chunk 0 failed authentication)');
      await expectFailure(flip(HEADER + 70), 'tampered', 'file was tampered with (chunk 2 failed authentication)');
      const lastTag = await decryptionFailure(flip(file.length - 1));
      expect(lastTag.message).toBe('file is truncated or was tampered with (last chunk 3 failed authentication)');
      expect(lastTag.chunk).toBe(3);
    });

    it('only emits authenticated chunks: output stops before the altered one', async () => {
      const altered = Buffer.from(file);
      altered[HEADER + 2 * 32 + 5]! ^= 1;
      const out: Buffer[] = [];
      const decryptor = createDecryptStream(KEY).on('data', (chunk: Buffer) => out.push(chunk));
      await expect(pipeline(Readable.from([altered]), decryptor)).rejects.toThrow('chunk 2 failed authentication');
      expectSameBytes(Buffer.concat(out), plain.subarray(0, 2 * CHUNK));
    });

    it('every truncation fails', async () => {
      for (let length = 0; length < file.length; length++) {
        const error = await decryptionFailure(file.subarray(0, length));
        if (length < 8) expect(error.reason).toBe('not-encrypted');
        else expect(error.message).toMatch(/^file is truncated/);
      }
    });

    it('truncation at a chunk boundary says "file is truncated"', async () => {
      await expectFailure(file.subarray(0, HEADER), 'truncated', 'file is truncated (it ends after the header, without its final chunk)');
      await expectFailure(file.subarray(0, HEADER + 32), 'truncated', 'file is truncated (it ends after chunk 0, without its final chunk)');
      await expectFailure(file.subarray(0, HEADER + 96), 'truncated', 'file is truncated (it ends after chunk 2, without its final chunk)');
      // A whole chunk file cut at its last boundary (3 chunks of 64 KiB: the empty final chunk is gone).
      const big = await encrypt(randomBytes(3 * DEFAULT_CHUNK_SIZE));
      await expectFailure(big.subarray(0, big.length - TAG), 'truncated', 'file is truncated');
    });

    it('truncation inside a chunk or the header says "file is truncated"', async () => {
      await expectFailure(file.subarray(0, 40), 'truncated', 'file is truncated (incomplete header)');
      await expectFailure(file.subarray(0, HEADER + 10), 'truncated', 'file is truncated (chunk 0 is incomplete)');
      await expectFailure(file.subarray(0, HEADER + 32 + 20), 'truncated-or-tampered', /^file is truncated/);
      await expectFailure(file.subarray(0, file.length - 1), 'truncated-or-tampered', /^file is truncated/);
      const big = await encrypt(randomBytes(5 * DEFAULT_CHUNK_SIZE + 100));
      await expectFailure(big.subarray(0, Math.floor(big.length / 2)), 'truncated-or-tampered', /^file is truncated/);
    });

    it('swapped, duplicated or missing chunks fail', async () => {
      const { header, chunks } = records(file);
      const [c0, c1, c2, c3] = chunks as [Buffer, Buffer, Buffer, Buffer];
      await expectFailure(Buffer.concat([header, c1, c0, c2, c3]), 'tampered', 'chunk 0 failed authentication');
      await expectFailure(Buffer.concat([header, c0, c2, c1, c3]), 'tampered', 'chunk 1 failed authentication');
      await expectFailure(Buffer.concat([header, c0, c0, c1, c2, c3]), 'tampered', 'chunk 1 failed authentication');
      await expectFailure(Buffer.concat([header, c0, c2, c3]), 'tampered', 'chunk 1 failed authentication');
      // The header of another file with the same key does not fit these chunks.
      const other = await encrypt(plain, CHUNK);
      await expectFailure(Buffer.concat([other.subarray(0, HEADER), c0, c1, c2, c3]), 'tampered', 'chunk 0 failed authentication');
    });

    it('appended bytes fail', async () => {
      for (const extra of [Buffer.from([0]), randomBytes(TAG), randomBytes(100), records(file).chunks[0]!, file]) {
        await decryptionFailure(Buffer.concat([file, extra]));
      }
    });

    it('data after a full-size final chunk is "trailing data after the final chunk"', async () => {
      const full = reference.encrypt(randomBytes(32), KEY, CHUNK);
      await expectFailure(Buffer.concat([full, Buffer.from([1])]), 'trailing-data', 'trailing data after the final chunk');
      await expectFailure(Buffer.concat([full, randomBytes(1000)]), 'trailing-data', 'trailing data after the final chunk');
    });

    it('a different master key fails with "encrypted with a different key"', async () => {
      const error = await decryptionFailure(file, OTHER_KEY);
      expect(error.reason).toBe('wrong-key');
      expect(error.message).toBe(
        `encrypted with a different key (the file's key id is ${keyId(KEY).toString('hex')}, this key's id is ${keyId(OTHER_KEY).toString('hex')})`,
      );
    });

    it.each([
      ['empty', Buffer.alloc(0)],
      ['short', Buffer.from('DBB')],
      ['text', Buffer.from('-- PostgreSQL database dump\n'.repeat(10))],
      ['zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(500)])],
      ['random', randomBytes(70_000)],
    ])('a non-encrypted input (%s) fails with "not an encrypted backup file"', async (_kind, input) => {
      await expectFailure(input, 'not-encrypted', 'not an encrypted backup file');
    });

    it('rejects a non-encrypted input after its first 8 bytes, without reading the rest', async () => {
      const decryptor = createDecryptStream(KEY);
      const failed = new Promise<Error>((resolve) => decryptor.on('error', resolve));
      decryptor.write(Buffer.from('not enc'));
      decryptor.write(Buffer.from('rypted, and more to come'));
      expect((await failed).message).toMatch('not an encrypted backup file');
    });
  });

  describe('streaming', () => {
    it('decrypted chunks are emitted as soon as they are authenticated, before the end of input', async () => {
      const plain = randomBytes(5 * DEFAULT_CHUNK_SIZE);
      const file = await encrypt(plain);
      const decryptor = createDecryptStream(KEY);
      const first = new Promise<Buffer>((resolve) => decryptor.once('data', resolve));
      decryptor.write(file.subarray(0, HEADER + DEFAULT_CHUNK_SIZE + TAG));
      expectSameBytes(await first, plain.subarray(0, DEFAULT_CHUNK_SIZE));
      decryptor.destroy();
    });

    /** Writes pieces until the stream says stop; returns how many bytes it took. */
    async function writeUntilBlocked(stream: Transform, pieces: Buffer[]): Promise<number> {
      let written = 0;
      for (const piece of pieces) {
        written += piece.length;
        if (!stream.write(piece)) break;
      }
      await new Promise((resolve) => setImmediate(resolve));
      return written;
    }

    it('applies back-pressure: an unread encryptor stops accepting input', async () => {
      const encryptor = createEncryptStream(KEY);
      const written = await writeUntilBlocked(encryptor, Array.from({ length: 100 }, () => randomBytes(DEFAULT_CHUNK_SIZE)));
      expect(written).toBeLessThanOrEqual(2 * DEFAULT_CHUNK_SIZE);
      expect(encryptor.readableLength + encryptor.writableLength).toBeLessThanOrEqual(3 * (DEFAULT_CHUNK_SIZE + TAG) + HEADER);
      encryptor.destroy();
    });

    it('applies back-pressure: an unread decryptor stops accepting input', async () => {
      const file = await encrypt(randomBytes(100 * DEFAULT_CHUNK_SIZE));
      const decryptor = createDecryptStream(KEY);
      const pieces = randomPieces(file, DEFAULT_CHUNK_SIZE).filter((piece) => piece.length > 0);
      const written = await writeUntilBlocked(decryptor, pieces);
      expect(written).toBeLessThanOrEqual(4 * DEFAULT_CHUNK_SIZE);
      expect(decryptor.readableLength + decryptor.writableLength).toBeLessThanOrEqual(3 * (DEFAULT_CHUNK_SIZE + TAG));
      decryptor.destroy();
    });

    it('keeps memory flat: 200 MB through encrypt and decrypt in one pipeline', async () => {
      const total = 200 * 1024 * 1024;
      const piece = 256 * 1024;
      const sourceHash = createHash('sha256');
      const sinkHash = createHash('sha256');
      const encryptor = createEncryptStream(KEY);
      const decryptor = createDecryptStream(KEY);
      const streams = [encryptor, decryptor];
      async function* source() {
        for (let sent = 0; sent < total; sent += piece) {
          const data = randomFillSync(Buffer.allocUnsafe(piece));
          sourceHash.update(data);
          yield data;
        }
      }
      let received = 0;
      let maxBuffered = 0;
      let peakRss = 0;
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          sinkHash.update(chunk);
          maxBuffered = Math.max(maxBuffered, ...streams.map((s) => s.readableLength + s.writableLength));
          if (received % (4 * 1024 * 1024) < chunk.length) peakRss = Math.max(peakRss, process.memoryUsage().rss);
          callback();
        },
      });
      const baseline = process.memoryUsage().rss;
      await pipeline(source(), encryptor, decryptor, sink);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);

      expect(received).toBe(total);
      expect(sinkHash.digest('hex')).toBe(sourceHash.digest('hex'));
      // Neither stream ever queues more than a few chunks (input pieces are 256 KiB).
      expect(maxBuffered).toBeLessThan(piece + 4 * (DEFAULT_CHUNK_SIZE + TAG));
      // 200 MB went through. Measured: 15-22 MiB here; a stage that holds the data until the end: 230+ MiB.
      expect(peakRss - baseline).toBeLessThan(64 * 1024 * 1024);
    }, 120_000);
  });
});

describe('decrypt-backup CLI', () => {
  let dir: string;
  const keyBase64 = KEY.toString('base64');
  const env = { BACKUP_ENCRYPTION_KEY: keyBase64 };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'decrypt-backup-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function encryptedFile(name: string, plain: Buffer): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, await encrypt(plain));
    return file;
  }

  function captured(): { stream: Writable; text: () => string } {
    const parts: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        parts.push(chunk);
        callback();
      },
    });
    return { stream, text: () => Buffer.concat(parts).toString('utf8') };
  }

  describe('decryptFile', () => {
    it('decrypts into a 0600 file and leaves no partial file', async () => {
      const plain = randomBytes(300_000);
      const input = await encryptedFile('a.enc', plain);
      const output = path.join(dir, 'a.out');
      await decryptFile(input, output, KEY);
      expectSameBytes(await readFile(output), plain);
      expect((await stat(output)).mode & 0o777).toBe(0o600);
      expect((await readdir(dir)).filter((name) => name.endsWith('.partial'))).toEqual([]);
    });

    it('on failure removes the partial file and leaves an existing output alone', async () => {
      const file = await encrypt(randomBytes(300_000));
      const input = path.join(dir, 'b.enc');
      await writeFile(input, file.subarray(0, 200_000));
      const output = path.join(dir, 'b.out');
      await writeFile(output, 'previous content');
      await expect(decryptFile(input, output, KEY)).rejects.toThrow('file is truncated');
      expect(await readFile(output, 'utf8')).toBe('previous content');
      await expect(stat(`${output}.partial`)).rejects.toThrow('ENOENT');
    });

    it('replaces a stale partial file and refuses to write over its own input', async () => {
      const plain = randomBytes(10);
      const input = await encryptedFile('c.enc', plain);
      const output = path.join(dir, 'c.out');
      await writeFile(`${output}.partial`, 'stale');
      await decryptFile(input, output, KEY);
      expectSameBytes(await readFile(output), plain);
      await expect(decryptFile(input, input, KEY)).rejects.toThrow('same file');
    });
  });

  describe('readKeyFromEnvironment', () => {
    it('reads BACKUP_ENCRYPTION_KEY or the file named by BACKUP_ENCRYPTION_KEY_FILE', async () => {
      expect(await readKeyFromEnvironment(env)).toEqual(KEY);
      const keyFile = path.join(dir, 'key');
      await writeFile(keyFile, `${keyBase64}\n`, { mode: 0o600 });
      expect(await readKeyFromEnvironment({ BACKUP_ENCRYPTION_KEY_FILE: keyFile })).toEqual(KEY);
    });

    it('refuses no key, both variables, an unreadable file and a malformed key (without printing it)', async () => {
      await expect(readKeyFromEnvironment({})).rejects.toThrow('Set BACKUP_ENCRYPTION_KEY');
      await expect(readKeyFromEnvironment({ ...env, BACKUP_ENCRYPTION_KEY_FILE: '/x' })).rejects.toThrow('not both');
      await expect(readKeyFromEnvironment({ BACKUP_ENCRYPTION_KEY_FILE: path.join(dir, 'none') })).rejects.toThrow('ENOENT');
      const error = await readKeyFromEnvironment({ BACKUP_ENCRYPTION_KEY: 'c2VjcmV0LWtleQ==' }).catch((caught: Error) => caught);
      expect((error as Error).message).toContain('must be 32 bytes');
      expect((error as Error).message).not.toContain('c2VjcmV0LWtleQ');
    });
  });

  describe('main', () => {
    it('pipes stdin to stdout with "-" "-"', async () => {
      const plain = randomBytes(200_000);
      const stdin = Readable.from([await encrypt(plain)]);
      const stdout = new PassThrough();
      const chunks: Buffer[] = [];
      stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      const stderr = captured();
      expect(await main(['-', '-'], env, { stdin, stdout, stderr: stderr.stream })).toBe(0);
      expectSameBytes(Buffer.concat(chunks), plain);
      expect(stderr.text()).toBe('');
    });

    it('exits 1 with the reason on failure, and with the usage on wrong arguments', async () => {
      const input = await encryptedFile('d.enc', randomBytes(10));
      const io = () => ({ stdin: Readable.from([]), stdout: new PassThrough(), stderr: captured() });
      let streams = io();
      expect(await main([input, path.join(dir, 'd.out')], { BACKUP_ENCRYPTION_KEY: OTHER_KEY.toString('base64') }, { ...streams, stderr: streams.stderr.stream })).toBe(1);
      expect(streams.stderr.text()).toBe(`decrypt-backup: ${input}: encrypted with a different key (the file's key id is ${keyId(KEY).toString('hex')}, this key's id is ${keyId(OTHER_KEY).toString('hex')})\n`);
      streams = io();
      expect(await main([input], env, { ...streams, stderr: streams.stderr.stream })).toBe(1);
      expect(streams.stderr.text()).toMatch(/^usage: /);
      streams = io();
      expect(await main(['--help'], env, { ...streams, stderr: streams.stderr.stream })).toBe(0);
      streams = io();
      const tty = Object.assign(new PassThrough(), { isTTY: true });
      expect(await main([input, '-'], env, { ...streams, stdout: tty, stderr: streams.stderr.stream })).toBe(1);
      expect(streams.stderr.text()).toContain('Refusing to write a decrypted backup to a terminal');
    });
  });

  describe('run as a program (node decrypt-backup.js)', () => {
    let program: string;

    /** Transpiles the CLI and the cipher into a scratch ESM tree, as `nest build` lays them out in dist/. */
    beforeAll(async () => {
      const root = path.join(dir, 'dist');
      const sourceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
      for (const file of ['cli/decrypt-backup.ts', 'core/crypto/backup-cipher.ts']) {
        const source = await readFile(path.join(sourceRoot, file), 'utf8');
        const { outputText } = ts.transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        });
        await mkdir(path.dirname(path.join(root, file)), { recursive: true });
        await writeFile(path.join(root, file.replace(/\.ts$/, '.js')), outputText);
      }
      await writeFile(path.join(root, 'package.json'), '{ "type": "module" }');
      program = path.join(root, 'cli/decrypt-backup.js');
    });

    function exec(args: string[], childEnv: Record<string, string>, stdin?: Buffer) {
      return new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [program, ...args], { env: { PATH: process.env.PATH ?? '', ...childEnv } });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString() }));
        child.stdin.on('error', () => undefined);
        child.stdin.end(stdin);
      });
    }

    it('decrypts a file, and stdin to stdout', async () => {
      const plain = randomBytes(1_000_000);
      const input = await encryptedFile('e.enc', plain);
      const output = path.join(dir, 'e.out');
      const result = await exec([input, output], env);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expectSameBytes(await readFile(output), plain);
      const piped = await exec(['-', '-'], env, await readFile(input));
      expect(piped.code).toBe(0);
      expectSameBytes(piped.stdout, plain);
    }, 30_000);

    it('exits 1 with the message and leaves nothing behind on failure', async () => {
      const input = path.join(dir, 'f.dump');
      await writeFile(input, 'plain dump');
      const output = path.join(dir, 'f.out');
      const result = await exec([input, output], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`decrypt-backup: ${input}: not an encrypted backup file (it does not start with "DBBKENC1")\n`);
      expect((await readdir(dir)).filter((name) => name.startsWith('f.out'))).toEqual([]);
      const noKey = await exec(['-', '-'], {}, await encrypt(Buffer.from('x')));
      expect(noKey.code).toBe(1);
      expect(noKey.stderr).toContain('Set BACKUP_ENCRYPTION_KEY');
    }, 30_000);
  });
});
