/**
 * Encryption of backup files at rest: authenticated, streaming, O(chunk) memory.
 *
 * The byte format is specified in docs/encryption.md; in short:
 *
 *   header (87 bytes) = "DBBKENC1" | key id (8) | wrap IV (12) | wrapped data key (32) | wrap tag (16)
 *                       | nonce prefix (7) | chunk size (uint32 BE)
 *   then chunks       = AES-256-GCM(data key, nonce prefix | counter uint32 BE | final flag, AAD = header)
 *                       each stored as ciphertext | 16-byte tag
 *
 * The data key is random per file and wrapped (AES-256-GCM) under the 32-byte master key, with the
 * other header fields as AAD, so the whole header is authenticated before any chunk is read.
 * Every chunk holds exactly `chunk size` plaintext bytes except the last (final flag 1), which this
 * writer always makes shorter (0 to chunk size - 1 bytes): truncation, reordering, duplication and
 * tampering all fail authentication.
 *
 * Plain Node only (no Nest): the offline CLI `dist/cli/decrypt-backup.js` uses it too.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** The first 8 bytes of every encrypted backup file (the trailing "1" is the format version). */
export const ENCRYPTED_FILE_MAGIC = 'DBBKENC1';
/** Plaintext bytes per chunk unless asked otherwise. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** Largest chunk size written or accepted: bounds what a reader allocates. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** Length of the fixed header in bytes. */
export const ENCRYPTED_HEADER_LENGTH = 87;
/** GCM tag stored after each chunk's ciphertext. */
export const CHUNK_TAG_LENGTH = 16;
/** The chunk counter is a uint32: a file holds at most 2^32 chunks. */
export const MAX_CHUNKS = 2 ** 32;

const ALGORITHM = 'aes-256-gcm';
const KEY_LENGTH = 32;
const MAGIC = Buffer.from(ENCRYPTED_FILE_MAGIC, 'ascii');
const NONCE_PREFIX_LENGTH = 7;
const NONCE_LENGTH = 12;

/** Where each header field lives: [start, end). */
const FIELD = {
  magic: [0, 8],
  keyId: [8, 16],
  wrapIv: [16, 28],
  wrappedKey: [28, 60],
  wrapTag: [60, 76],
  noncePrefix: [76, 83],
  chunkSize: [83, 87],
} as const satisfies Record<string, readonly [number, number]>;

function field(header: Buffer, name: keyof typeof FIELD): Buffer {
  const [start, end] = FIELD[name];
  return header.subarray(start, end);
}

/** AAD of the data-key wrap: every header field except the wrap's own IV, wrapped key and tag. */
function wrapAad(header: Buffer): Buffer {
  return Buffer.concat([field(header, 'magic'), field(header, 'keyId'), field(header, 'noncePrefix'), field(header, 'chunkSize')]);
}

export type BackupDecryptionFailure =
  | 'not-encrypted'
  | 'wrong-key'
  | 'truncated'
  | 'tampered'
  /** The last chunk failed authentication: the file was cut inside a chunk, or that chunk was altered. */
  | 'truncated-or-tampered'
  | 'trailing-data'
  | 'unsupported';

/** Why an encrypted backup cannot be decrypted; `message` is meant for people, `reason` for code. */
export class BackupDecryptionError extends Error {
  override readonly name = 'BackupDecryptionError';

  constructor(
    readonly reason: BackupDecryptionFailure,
    message: string,
    /** Index (0-based, the nonce counter) of the chunk concerned, when there is one. */
    readonly chunk?: number,
  ) {
    super(message);
  }
}

function assertMasterKey(masterKey: Buffer): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== KEY_LENGTH) {
    throw new RangeError(`The backup encryption key must be ${KEY_LENGTH} bytes`);
  }
}

function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`The chunk size must be an integer from 1 to ${MAX_CHUNK_SIZE} bytes, got ${chunkSize}`);
  }
}

/**
 * Parses BACKUP_ENCRYPTION_KEY: exactly 32 bytes in standard padded base64 (`openssl rand -base64 32`).
 * Surrounding whitespace (a key file's newline) is ignored. The message never repeats the value.
 */
export function parseBackupEncryptionKey(base64: string): Buffer {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    throw new RangeError('BACKUP_ENCRYPTION_KEY must be 32 bytes encoded in base64 (openssl rand -base64 32)');
  }
  return Buffer.from(text, 'base64');
}

/** The key id stored in each header: the first 8 bytes of sha256(master key). */
export function keyId(masterKey: Buffer): Buffer {
  assertMasterKey(masterKey);
  return createHash('sha256').update(masterKey).digest().subarray(0, 8);
}

/** Whether a file starts like an encrypted backup (needs at least its first 8 bytes). */
export function isEncryptedHeader(firstBytes: Uint8Array): boolean {
  return firstBytes.length >= MAGIC.length && MAGIC.equals(Buffer.from(firstBytes.buffer, firstBytes.byteOffset, MAGIC.length));
}

/** Size of the encrypted file this writer produces for `plaintextLength` bytes. */
export function encryptedSize(plaintextLength: number, chunkSize = DEFAULT_CHUNK_SIZE): number {
  const chunks = Math.floor(plaintextLength / chunkSize) + 1;
  return ENCRYPTED_HEADER_LENGTH + plaintextLength + CHUNK_TAG_LENGTH * chunks;
}

/** STREAM nonce: prefix (7) | counter (uint32 BE) | final flag (1). @internal exported for tests. */
export function chunkNonce(prefix: Buffer, counter: number, final: boolean): Buffer {
  if (!Number.isInteger(counter) || counter < 0 || counter >= MAX_CHUNKS) {
    throw new RangeError(`Chunk counter ${counter} is outside 0..2^32-1: a file holds at most 2^32 chunks`);
  }
  const nonce = Buffer.allocUnsafe(NONCE_LENGTH);
  prefix.copy(nonce, 0, 0, NONCE_PREFIX_LENGTH);
  nonce.writeUInt32BE(counter, NONCE_PREFIX_LENGTH);
  nonce[NONCE_LENGTH - 1] = final ? 1 : 0;
  return nonce;
}

class EncryptStream extends Transform {
  private readonly header: Buffer;
  private readonly dataKey: Buffer;
  private readonly noncePrefix: Buffer;
  private readonly pending: Buffer;
  private pendingLength = 0;
  private counter = 0;
  private headerSent = false;

  constructor(
    masterKey: Buffer,
    private readonly chunkSize: number,
  ) {
    super();
    assertMasterKey(masterKey);
    assertChunkSize(chunkSize);
    this.dataKey = randomBytes(KEY_LENGTH);
    const header = Buffer.alloc(ENCRYPTED_HEADER_LENGTH);
    MAGIC.copy(header, FIELD.magic[0]);
    keyId(masterKey).copy(header, FIELD.keyId[0]);
    randomBytes(NONCE_PREFIX_LENGTH).copy(header, FIELD.noncePrefix[0]);
    header.writeUInt32BE(chunkSize, FIELD.chunkSize[0]);
    const wrapIv = randomBytes(NONCE_LENGTH);
    const wrap = createCipheriv(ALGORITHM, masterKey, wrapIv, { authTagLength: CHUNK_TAG_LENGTH });
    wrap.setAAD(wrapAad(header));
    const wrapped = Buffer.concat([wrap.update(this.dataKey), wrap.final()]);
    wrapIv.copy(header, FIELD.wrapIv[0]);
    wrapped.copy(header, FIELD.wrappedKey[0]);
    wrap.getAuthTag().copy(header, FIELD.wrapTag[0]);
    this.header = header;
    this.noncePrefix = Buffer.from(field(header, 'noncePrefix'));
    this.pending = Buffer.allocUnsafe(chunkSize);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.sendHeader();
      let offset = 0;
      if (this.pendingLength > 0) {
        const taken = data.copy(this.pending, this.pendingLength, 0, this.chunkSize - this.pendingLength);
        this.pendingLength += taken;
        offset = taken;
        if (this.pendingLength < this.chunkSize) return callback();
        this.seal(this.pending, false);
        this.pendingLength = 0;
      }
      // Whole chunks straight from the input (no copy); a full chunk is never the final one.
      for (; data.length - offset >= this.chunkSize; offset += this.chunkSize) {
        this.seal(data.subarray(offset, offset + this.chunkSize), false);
      }
      this.pendingLength = data.copy(this.pending, 0, offset);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.sendHeader();
      this.seal(this.pending.subarray(0, this.pendingLength), true);
      this.pendingLength = 0;
      this.dataKey.fill(0);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.dataKey.fill(0);
    callback(error);
  }

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.push(this.header);
  }

  private seal(plaintext: Buffer, final: boolean): void {
    if (this.counter >= MAX_CHUNKS) {
      throw new RangeError(`The backup is too large to encrypt: more than 2^32 chunks of ${this.chunkSize} bytes`);
    }
    const cipher = createCipheriv(ALGORITHM, this.dataKey, chunkNonce(this.noncePrefix, this.counter, final), {
      authTagLength: CHUNK_TAG_LENGTH,
    });
    cipher.setAAD(this.header);
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    // Two pushes rather than one concatenated buffer: the copy halved encryption throughput.
    if (ciphertext.length > 0) this.push(ciphertext);
    this.push(cipher.getAuthTag());
    this.counter++;
  }
}

class DecryptStream extends Transform {
  private readonly expectedKeyId: Buffer;
  private readonly header = Buffer.alloc(ENCRYPTED_HEADER_LENGTH);
  private headerLength = 0;
  private dataKey: Buffer | null = null;
  private noncePrefix = Buffer.alloc(0);
  private recordSize = 0;
  /** The incomplete record being collected (at most one chunk + tag). */
  private partial = Buffer.alloc(0);
  private partialLength = 0;
  private counter = 0;
  private finished = false;

  constructor(private readonly masterKey: Buffer) {
    super();
    assertMasterKey(masterKey);
    this.expectedKeyId = keyId(masterKey);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(data);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.finish();
      callback();
    } catch (error) {
      callback(error as Error);
    } finally {
      this.dataKey?.fill(0);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.dataKey?.fill(0);
    callback(error);
  }

  private consume(data: Buffer): void {
    let offset = 0;
    if (!this.dataKey) {
      offset = this.consumeHeader(data);
      if (!this.dataKey) return;
    }
    while (offset < data.length) {
      if (this.finished) throw trailingData();
      if (this.partialLength === 0 && data.length - offset >= this.recordSize) {
        this.openFullRecord(data.subarray(offset, offset + this.recordSize));
        offset += this.recordSize;
        continue;
      }
      const taken = data.copy(this.partial, this.partialLength, offset, offset + this.recordSize - this.partialLength);
      this.partialLength += taken;
      offset += taken;
      if (this.partialLength === this.recordSize) {
        this.partialLength = 0;
        this.openFullRecord(this.partial);
      }
    }
  }

  /** Collects the header; returns how many bytes of `data` it used. Fails as early as possible. */
  private consumeHeader(data: Buffer): number {
    const taken = data.copy(this.header, this.headerLength, 0, ENCRYPTED_HEADER_LENGTH - this.headerLength);
    const checked = Math.min(this.headerLength + taken, MAGIC.length);
    if (!this.header.subarray(0, checked).equals(MAGIC.subarray(0, checked))) throw notEncrypted();
    this.headerLength += taken;
    if (this.headerLength === ENCRYPTED_HEADER_LENGTH) this.openHeader();
    return taken;
  }

  private openHeader(): void {
    const fileKeyId = field(this.header, 'keyId');
    if (!fileKeyId.equals(this.expectedKeyId)) {
      throw new BackupDecryptionError(
        'wrong-key',
        `encrypted with a different key (the file's key id is ${fileKeyId.toString('hex')}, this key's id is ${this.expectedKeyId.toString('hex')})`,
      );
    }
    let dataKey: Buffer;
    try {
      const unwrap = createDecipheriv(ALGORITHM, this.masterKey, field(this.header, 'wrapIv'), { authTagLength: CHUNK_TAG_LENGTH });
      unwrap.setAAD(wrapAad(this.header));
      unwrap.setAuthTag(field(this.header, 'wrapTag'));
      dataKey = Buffer.concat([unwrap.update(field(this.header, 'wrappedKey')), unwrap.final()]);
    } catch {
      throw new BackupDecryptionError('tampered', 'file was tampered with (header failed authentication)');
    }
    const chunkSize = field(this.header, 'chunkSize').readUInt32BE(0);
    if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
      dataKey.fill(0);
      throw new BackupDecryptionError('unsupported', `unsupported chunk size ${chunkSize} (at most ${MAX_CHUNK_SIZE} bytes)`);
    }
    this.dataKey = dataKey;
    this.noncePrefix = Buffer.from(field(this.header, 'noncePrefix'));
    this.recordSize = chunkSize + CHUNK_TAG_LENGTH;
    this.partial = Buffer.allocUnsafe(this.recordSize);
  }

  /**
   * A full-size record is normally a non-final chunk. This writer never makes a full-size final
   * chunk, but the format allows one: if the record fails as non-final it is tried as final, so no
   * record has to be held back until the next byte arrives.
   */
  private openFullRecord(record: Buffer): void {
    const index = this.counter;
    const plaintext = this.open(record, false) ?? this.open(record, true);
    if (!plaintext) throw tampered(index);
    if (plaintext.length > 0) this.push(plaintext);
  }

  private finish(): void {
    if (!this.dataKey) {
      if (this.headerLength < MAGIC.length) throw notEncrypted();
      throw new BackupDecryptionError('truncated', 'file is truncated (incomplete header)');
    }
    if (this.finished) return;
    const index = this.counter;
    if (this.partialLength === 0) {
      const where = index === 0 ? 'after the header' : `after chunk ${index - 1}`;
      throw new BackupDecryptionError('truncated', `file is truncated (it ends ${where}, without its final chunk)`, index);
    }
    if (this.partialLength < CHUNK_TAG_LENGTH) {
      throw new BackupDecryptionError('truncated', `file is truncated (chunk ${index} is incomplete)`, index);
    }
    const plaintext = this.open(this.partial.subarray(0, this.partialLength), true);
    if (!plaintext) {
      // A chunk cut short and an altered final chunk look the same: both fail authentication.
      throw new BackupDecryptionError(
        'truncated-or-tampered',
        `file is truncated or was tampered with (last chunk ${index} failed authentication)`,
        index,
      );
    }
    if (plaintext.length > 0) this.push(plaintext);
  }

  /** Authenticates and decrypts one record as chunk `counter`; null if it is not that chunk. */
  private open(record: Buffer, final: boolean): Buffer | null {
    if (this.counter >= MAX_CHUNKS) {
      throw new BackupDecryptionError('tampered', 'file was tampered with (more than 2^32 chunks)', this.counter);
    }
    const decipher = createDecipheriv(ALGORITHM, this.dataKey!, chunkNonce(this.noncePrefix, this.counter, final), {
      authTagLength: CHUNK_TAG_LENGTH,
    });
    decipher.setAAD(this.header);
    decipher.setAuthTag(record.subarray(record.length - CHUNK_TAG_LENGTH));
    const plaintext = decipher.update(record.subarray(0, record.length - CHUNK_TAG_LENGTH));
    try {
      decipher.final();
    } catch {
      return null;
    }
    this.counter++;
    this.finished = final;
    return plaintext;
  }
}

function notEncrypted(): BackupDecryptionError {
  return new BackupDecryptionError('not-encrypted', `not an encrypted backup file (it does not start with "${ENCRYPTED_FILE_MAGIC}")`);
}

function tampered(index: number): BackupDecryptionError {
  return new BackupDecryptionError('tampered', `file was tampered with (chunk ${index} failed authentication)`, index);
}

function trailingData(): BackupDecryptionError {
  return new BackupDecryptionError('trailing-data', 'trailing data after the final chunk');
}

/**
 * Encrypts a byte stream with a fresh data key: header first, then one sealed chunk per
 * `chunkSize` plaintext bytes. Holds at most one partial chunk; honours back-pressure.
 */
export function createEncryptStream(masterKey: Buffer, chunkSize: number = DEFAULT_CHUNK_SIZE): Transform {
  return new EncryptStream(masterKey, chunkSize);
}

/**
 * Decrypts what `createEncryptStream` wrote, emitting each chunk only once it is authenticated.
 * Fails with a BackupDecryptionError; note that the chunks before a failure have already been
 * emitted, so a consumer must treat the whole output as invalid when the stream errors.
 */
export function createDecryptStream(masterKey: Buffer): Transform {
  return new DecryptStream(masterKey);
}
