import { Module } from '@nestjs/common';
import { ProcessModule } from '../core/process/process.module.js';
import { EnginesModule } from '../engines/engines.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { BackupPipeline } from './backup-pipeline.js';
import { Compressor } from './compressor.js';
import { RestorePipeline } from './restore-pipeline.js';
import { StoredBackupFiles } from './stored-backup-files.js';
import { ToolRunner } from './tool-runner.js';

/**
 * The data path: the engines' tools run through the process runner, kernel pipes, compression, encryption, hashing,
 * and commit/abort in storage, for backup, restore, verify and download alike.
 */
@Module({
  imports: [ProcessModule, EnginesModule, StorageModule],
  providers: [ToolRunner, Compressor, StoredBackupFiles, BackupPipeline, RestorePipeline],
  exports: [StoredBackupFiles, BackupPipeline, RestorePipeline],
})
export class PipelineModule {}
