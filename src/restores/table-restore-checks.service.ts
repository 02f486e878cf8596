import { Injectable } from '@nestjs/common';
import { readBackupCatalog } from '../backups/backup-catalog-file.js';
import type { BackupEntity } from '../backups/backup.entity.js';
import type { DatabaseEntity } from '../databases/database.entity.js';
import { DatabasesService } from '../databases/databases.service.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { restoredName, type TableSelection } from '../engines/engine.js';
import {
  BackupWithoutManifestError,
  PartialRestoreUnsupportedError,
  SchemasAlreadyExistError,
  SchemasUnsupportedError,
  TablesAlreadyExistError,
  UnknownSchemasError,
  UnknownTablesError,
} from './restores.errors.js';
import { schemasWithoutTables } from '../engines/backup-catalog.js';


const CATALOG_READ_TIMEOUT_MS = 30_000;

/**
 * The request-time checks of a partial restore, so that the caller hears at once (the worker checks again before
 * writing): every named table (and a table of every named schema) is in the backup's manifest (422), and none of
 * them exists in the target yet under the name it is restored as (409).
 */
@Injectable()
export class TableRestoreChecks {
  constructor(
    private readonly files: StoredBackupFiles,
    private readonly engines: EngineRegistry,
    private readonly databases: DatabasesService,
  ) {}

  async check(backup: BackupEntity, target: DatabaseEntity, selection: TableSelection): Promise<void> {
    const tables = this.engines.get(target.engine).tables;
    if (!tables) throw new PartialRestoreUnsupportedError(target.engine);
    if (selection.schemas && !tables.existingSchemas) throw new SchemasUnsupportedError(target.engine);
    const catalog = await readBackupCatalog(this.files, backup, AbortSignal.timeout(CATALOG_READ_TIMEOUT_MS));
    if (!catalog) throw new BackupWithoutManifestError();
    const unknown = selection.names.filter((name) => !(name in catalog.manifest.tables));
    if (unknown.length > 0) throw new UnknownTablesError(unknown);
    const unknownSchemas = schemasWithoutTables(catalog.manifest, selection.schemas ?? []);
    if (unknownSchemas.length > 0) throw new UnknownSchemasError(unknownSchemas);
    const connection = await this.databases.connectionTarget(target);
    if (selection.schemas?.length) {
      const existingSchemas = await tables.existingSchemas!(connection, selection.schemas);
      if (existingSchemas.length > 0) throw new SchemasAlreadyExistError(connection.database, existingSchemas);
    }
    const existing = await tables.existing(connection, selection.names.map((name) => restoredName(selection, name)));
    if (existing.length > 0) throw new TablesAlreadyExistError(connection.database, existing);
  }
}
