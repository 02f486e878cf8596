import { Injectable } from '@nestjs/common';
import type { FileHandle } from 'node:fs/promises';
import { PassThrough, Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupEncryption } from '../core/crypto/backup-encryption.js';
import type { ArchiveObject, ArchiveReader, DatabaseEngine } from '../engines/engine.js';
import { isFileBacked } from '../storage/storage.js';
import { StorageRegistry } from '../storage/storage-registry.js';
import { type BackupFileRecord, BackupIntegrityError, requireKey } from './backup-file.js';
import { Compressor, type StreamStage } from './compressor.js';
import { DigestingStream } from './digesting-stream.js';
import { ToolRunner } from './tool-runner.js';

/**
 * Downloads up to this size are checked whole before their first byte is sent. A file read in one chunk would
 * otherwise fail before any byte went out, too late for a status and too early for a cut; larger ones are cut.
 */
const CHECKED_BEFORE_SENDING_BYTES = 64 * 1024;

/**
 * Stored backup files read back (restore, verify, download) and removed: every read checks the bytes against the
 * record (size, sha256), then decrypts and decompresses, streamed with back-pressure.
 */
@Injectable()
export class StoredBackupFiles {
  constructor(
    private readonly compressor: Compressor,
    private readonly encryption: BackupEncryption,
    private readonly registry: StorageRegistry,
    private readonly tools: ToolRunner,
  ) {}

  /** The stored file must exist with the recorded size (a cheap stat or HEAD, no read). */
  async checkSize(file: BackupFileRecord): Promise<number> {
    const storage = await this.registry.forTarget(file.storageTargetId);
    const size = await storage.size(requireKey(file));
    if (size === null) throw new BackupIntegrityError('Backup file is missing from storage');
    if (size !== Number(file.sizeBytes)) {
      throw new BackupIntegrityError(`Backup file has ${size} bytes, ${file.sizeBytes} were recorded (truncated or altered)`);
    }
    return size;
  }

  /** Re-reads the stored file: it must exist with the recorded size and sha256. */
  async verifyIntegrity(file: BackupFileRecord): Promise<void> {
    await this.checkSize(file);
    const storage = await this.registry.forTarget(file.storageTargetId);
    await pipeline(await storage.openRead(requireKey(file)), this.checksumVerifier(file), new PassThrough().resume());
  }

  /** A pass-through that fails at the end of the stream if the bytes' sha256 is not the recorded one. */
  private checksumVerifier(file: Pick<BackupFileRecord, 'checksum'>, holdLastChunk = false, onProgress?: (bytes: number) => void): Transform {
    return new DigestingStream({
      expectSha256: file.checksum,
      holdLastChunk,
      onProgress,
      mismatch: () => new BackupIntegrityError('Backup file checksum does not match the record (altered)'),
    });
  }

  /**
   * The original dump, read back from storage: decrypted, decompressed. The stored bytes are hashed on the way
   * and `completed` rejects with BackupIntegrityError if they differ from the record. `progress` receives the
   * running count of stored bytes read.
   */
  async openDump(file: BackupFileRecord, signal: AbortSignal, progress?: (bytes: number) => void): Promise<StreamStage> {
    const storage = await this.registry.forTarget(file.storageTargetId);
    const stored = await storage.openRead(requireKey(file));
    const plain = new PassThrough();
    // With the signal, an abort (timeout, client gone, shutdown) also closes the stored file.
    const read = pipeline([stored, this.checksumVerifier(file, false, progress), ...this.decryptionStage(file.encrypted), plain], { signal });
    const decompressed = this.compressor.decompress(file.compression, plain, signal);
    return { output: decompressed.output, completed: Promise.all([read, decompressed.completed]).then(() => undefined) };
  }

  /**
   * The stored file open for reading through a descriptor, after a size check, when its storage is on this machine
   * and the file is the kind a child can decompress as it is (zstd, not encrypted); null otherwise.
   */
  async openZstdFile(file: BackupFileRecord): Promise<FileHandle | null> {
    if (file.compression !== 'zstd' || file.encrypted) return null;
    const storage = await this.registry.forTarget(file.storageTargetId);
    if (!isFileBacked(storage)) return null;
    await this.checkSize(file);
    return storage.openFile(requireKey(file));
  }

  /**
   * Checks the whole stored file as a restore would read it: size, sha256 and decryption, then the engine's archive
   * check on the decompressed dump (pg_restore for PostgreSQL). A changed or undecryptable file explains a broken
   * archive, so its reason is thrown first.
   */
  async verifyArchive(engine: DatabaseEngine, file: BackupFileRecord, signal: AbortSignal): Promise<void> {
    await this.checkSize(file);
    const dump = await this.openDump(file, signal);
    const [archive, integrity] = await Promise.allSettled([this.tools.validateArchive(engine, dump.output, signal), dump.completed]);
    if (integrity.status === 'rejected') throw integrity.reason;
    if (archive.status === 'rejected') throw archive.reason;
  }

  /**
   * The objects the stored dump holds, as the engine lists them (pg_restore --list, or a scan of a MySQL dump),
   * read as a restore would read the file: size, sha256 and decryption checked on the way, streamed. A changed or
   * undecryptable file is the reason given first.
   */
  async listContents(engine: DatabaseEngine, file: BackupFileRecord, signal: AbortSignal): Promise<ArchiveObject[]> {
    await this.checkSize(file);
    const dump = await this.openDump(file, signal);
    const [objects, integrity] = await Promise.allSettled([this.tools.listContents(engine, dump.output, signal), dump.completed]);
    if (integrity.status === 'rejected') throw integrity.reason;
    if (objects.status === 'rejected') throw objects.reason;
    return objects.value;
  }

  /** What a tool that reads the dump (no database) prints, the file read and checked as listContents reads it. */
  async readWithTool(reader: ArchiveReader, file: BackupFileRecord, signal: AbortSignal): Promise<string> {
    await this.checkSize(file);
    const dump = await this.openDump(file, signal);
    const [output, integrity] = await Promise.allSettled([this.tools.readWithTool(reader, dump.output, signal), dump.completed]);
    if (integrity.status === 'rejected') throw integrity.reason;
    if (output.status === 'rejected') throw output.reason;
    return output.value;
  }

  /**
   * The stored bytes for a download, after a size check; the stream fails at its end if their sha256 is not the
   * recorded one. A small file is read and checked whole before anything is sent, so an altered one fails here
   * instead of cutting a response short before its first byte.
   */
  async openDownload(file: BackupFileRecord): Promise<Readable> {
    const size = await this.checkSize(file);
    if (size <= CHECKED_BEFORE_SENDING_BYTES) return Readable.from([await this.readChecked(file)]);
    const verifier = this.checksumVerifier(file, true);
    const stored = await this.openStored(file);
    stored.once('error', (error) => verifier.destroy(error));
    return stored.pipe(verifier);
  }

  /** Reads a stored document back, checking its size and sha256 against the record and decrypting it. */
  async readDocument(file: Omit<BackupFileRecord, 'compression'>, signal: AbortSignal): Promise<Buffer> {
    const record = { ...file, compression: 'none' as const };
    await this.checkSize(record);
    const { output, completed } = await this.openDump(record, signal);
    const chunks: Buffer[] = [];
    for await (const chunk of output) chunks.push(chunk as Buffer);
    await completed;
    return Buffer.concat(chunks);
  }

  async delete(file: Pick<BackupFileRecord, 'storageTargetId' | 'storageKey'>): Promise<void> {
    if (!file.storageKey) return;
    const storage = await this.registry.forTarget(file.storageTargetId);
    await storage.delete(file.storageKey);
  }

  /** The stored bytes, as they are. */
  private async openStored(file: BackupFileRecord): Promise<Readable> {
    const storage = await this.registry.forTarget(file.storageTargetId);
    return storage.openRead(requireKey(file));
  }

  private async readChecked(file: BackupFileRecord): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const collector = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        chunks.push(chunk);
        callback();
      },
    });
    await pipeline(await this.openStored(file), this.checksumVerifier(file), collector);
    return Buffer.concat(chunks);
  }

  private decryptionStage(encrypted: boolean): Transform[] {
    return encrypted ? [this.encryption.decryptor()] : [];
  }
}
