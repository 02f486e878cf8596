import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve('.');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

/**
 * `npm run lint:modules` on a copy of src/ in which `file` gained `importLine`; returns its exit status and output.
 * The copy keeps the real tree intact while the rule is shown to fire.
 */
function cruiseWith(edit?: { file: string; importLine: string }): { status: number | null; output: string } {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'module-graph-'));
  try {
    cpSync(path.join(ROOT, 'src'), path.join(copy, 'src'), { recursive: true });
    for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json']) cpSync(path.join(ROOT, file), path.join(copy, file));
    if (edit) appendFileSync(path.join(copy, edit.file), `\n${edit.importLine}\n`);
    const run = spawnSync(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs'], { cwd: copy, encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

describe('The module graph rules (dependency-cruiser, run by npm run lint)', () => {
  it('pass on the tree as it is', () => {
    const { status, output } = cruiseWith();
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  it.each([
    {
      rule: 'core-imports-no-room',
      file: 'src/core/queue/job-queues.ts',
      importLine: "import { BackupEntity } from '../../backups/backup.entity.js'; export const wrong = BackupEntity;",
      names: 'src/core/queue/job-queues.ts → src/backups/backup.entity.ts',
    },
    {
      rule: 'engines-do-not-know-databases',
      file: 'src/engines/engine.ts',
      importLine: "import { DatabaseEntity } from '../databases/database.entity.js'; export const wrong = DatabaseEntity;",
      names: 'src/engines/engine.ts → src/databases/database.entity.ts',
    },
    {
      rule: 'databases-do-not-know-schedules',
      file: 'src/databases/databases.service.ts',
      importLine: "import { ScheduleEntity } from '../schedules/schedule.entity.js'; export const wrong = ScheduleEntity;",
      names: 'src/databases/databases.service.ts → src/schedules/schedule.entity.ts',
    },
    {
      rule: 'api-never-reaches-processors',
      file: 'src/restores/restores.service.ts',
      importLine: "import { RestoreProcessor } from './restore.processor.js'; export const wrong = RestoreProcessor;",
      names: 'src/main.ts → src/restores/restore.processor.ts',
    },
  ])('fail when $file gains a wrong import ($rule)', ({ rule, file, importLine, names }) => {
    const { status, output } = cruiseWith({ file, importLine });
    expect(status).not.toBe(0);
    expect(output).toContain(`error ${rule}: ${names}`);
  });
});
