import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface DigestingOptions {
  /** Called with the running byte count. */
  onProgress?: (bytes: number) => void;
  /** When set, the stream fails at its end unless the bytes hash to this sha256 (hex). */
  expectSha256?: string | null;
  /** The error to fail with on a mismatch. */
  mismatch?: () => Error;
  /**
   * Keep the latest chunk until the next one (or the verdict) arrives, so a consumer that counts bytes, such as an
   * HTTP client reading a Content-Length body, never receives an unverified file as a complete one.
   */
  holdLastChunk?: boolean;
}

/** Passes bytes through while counting and hashing them, so a checksum costs no second read. */
export class DigestingStream extends Transform {
  private readonly hash = createHash('sha256');
  private digest?: string;
  private held?: Buffer;
  bytes = 0;

  constructor(private readonly options: DigestingOptions = {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.options.onProgress?.(this.bytes);
    if (!this.options.holdLastChunk) return callback(null, chunk);
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const { expectSha256, mismatch } = this.options;
    if (expectSha256 !== undefined && this.hex() !== expectSha256) {
      callback(mismatch?.() ?? new Error('sha256 mismatch'));
      return;
    }
    callback(null, this.held);
  }

  /** sha256 of everything that passed, hex; valid once the stream has ended. */
  hex(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}
