import { PartialType } from '@nestjs/swagger';
import { CreateDatabaseDto } from './create-database.dto.js';

/** Any subset of the registration's fields; a new password replaces the stored one. */
export class UpdateDatabaseDto extends PartialType(CreateDatabaseDto) {}
