import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsCipher } from '../core/crypto/credentials-cipher.js';
import { DatabaseEntity } from './database.entity.js';
import { DatabasesController } from './databases.controller.js';
import { DatabasesService } from './databases.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([DatabaseEntity])],
  controllers: [DatabasesController],
  providers: [DatabasesService, CredentialsCipher],
  exports: [DatabasesService],
})
export class DatabasesModule {}
