import { Module } from '@nestjs/common';
import { ProcessRunner } from './process-runner.js';
import { SecretFilesSweeper } from './secret-files-sweeper.service.js';

/** The one wrapper around spawn, and the sweeper of password files that killed processes left behind. */
@Module({
  providers: [ProcessRunner, SecretFilesSweeper],
  exports: [ProcessRunner],
})
export class ProcessModule {}
