import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsDefined, IsIn, IsOptional, IsString, MaxLength, ValidateBy, ValidateNested } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';
import { type DrillProbe, multipleStatementsProblem, PROBE_MAX_LENGTH, PROBE_OPERATORS, type ProbeOperator } from '../drill-probe.js';

/** A probe is a query: it starts with SELECT, WITH, VALUES or TABLE (after comments and parentheses). */
const QUERY_START = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*(?:select|with|values|table)\b/i;

function probeSqlProblem(sql: unknown): string | null {
  if (typeof sql !== 'string') return 'probe.sql must be a string';
  if (!QUERY_START.test(sql)) return 'probe.sql must be a query (SELECT, WITH, VALUES or TABLE)';
  const problem = multipleStatementsProblem(sql);
  return problem ? `probe.sql: ${problem}` : null;
}

export class ProbeExpectationDto {
  @ApiProperty({ enum: PROBE_OPERATORS, example: '>' })
  @IsIn(PROBE_OPERATORS)
  op!: ProbeOperator;

  @ApiProperty({
    description: 'Compared with the first column of the first row: numerically when it is a number, as text otherwise.',
    example: 0,
    oneOf: [{ type: 'number' }, { type: 'string' }],
  })
  @IsDefined()
  @ValidateBy({
    name: 'isProbeValue',
    validator: {
      validate: (value: unknown) => (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= 1000),
      defaultMessage: () => 'expect.value must be a finite number or a string of at most 1000 characters',
    },
  })
  value!: number | string;
}

export class DrillProbeDto implements DrillProbe {
  @ApiProperty({
    description:
      'One read-only query (SELECT, WITH, VALUES or TABLE; no ";" except at the end), run only on the scratch copy, ' +
      'in a read-only transaction with a statement timeout.',
    example: "select count(*) from orders where created_at > now() - interval '1 day'",
    maxLength: PROBE_MAX_LENGTH,
  })
  @IsString()
  @MaxLength(PROBE_MAX_LENGTH)
  @ValidateBy({
    name: 'isOneQuery',
    validator: { validate: (sql: unknown) => probeSqlProblem(sql) === null, defaultMessage: (args) => probeSqlProblem(args?.value) ?? '' },
  })
  sql!: string;

  @ApiProperty({ type: ProbeExpectationDto })
  @ValidateNested()
  @Type(() => ProbeExpectationDto)
  @IsDefined()
  expect!: ProbeExpectationDto;
}

export class CreateDrillDto {
  @ApiPropertyOptional({
    description: 'Sandbox to restore on (see GET /sandboxes); absent: the first sandbox (lowest id) of the backup\'s engine family.',
    example: 'REPLACE_WITH_SANDBOX_ID',
    type: String,
  })
  @IsOptional()
  @Transform(idToString)
  @IsString()
  @MaxLength(64)
  sandboxId?: string;

  @ApiPropertyOptional({ type: DrillProbeDto, description: 'A query whose answer the restored copy must give, checked after the manifest.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DrillProbeDto)
  probe?: DrillProbeDto;
}

/** The probe as stored: plain JSON, no class instance. */
export function probeOf(dto: DrillProbeDto | undefined): DrillProbe | null {
  return dto ? { sql: dto.sql, expect: { op: dto.expect.op, value: dto.expect.value } } : null;
}
