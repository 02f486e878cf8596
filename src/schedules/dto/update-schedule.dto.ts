import { PartialType } from '@nestjs/swagger';
import { CreateScheduleDto } from './create-schedule.dto.js';

/** Any subset of the schedule's fields. A change restarts its missed-backup clock. */
export class UpdateScheduleDto extends PartialType(CreateScheduleDto) {}
