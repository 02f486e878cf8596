import { Global, Module } from '@nestjs/common';
import { BackupEncryption } from './backup-encryption.js';
import { CredentialsCipher } from './credentials-cipher.js';

@Global()
@Module({
  providers: [CredentialsCipher, BackupEncryption],
  exports: [CredentialsCipher, BackupEncryption],
})
export class CryptoModule {}
