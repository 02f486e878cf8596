import { PartialType } from '@nestjs/swagger';
import { CreateDrillScheduleDto } from './create-drill-schedule.dto.js';

/** Any subset of the drill schedule's fields; `probe: null` or `sandboxId: null` removes them. */
export class UpdateDrillScheduleDto extends PartialType(CreateDrillScheduleDto) {}
