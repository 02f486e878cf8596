import { describe, expect, it } from '@jest/globals';
import type { Type } from '@nestjs/common';
import { GLOBAL_MODULE_METADATA, MODULE_METADATA } from '@nestjs/common/constants.js';
import { QueueConnectionModule } from './core/queue/queue-connection.module.js';
import { QueueModule } from './core/queue/queue.module.js';
import { WorkerModule } from './worker.module.js';

type ModuleRef = Type | { module: Type; imports?: ModuleRef[]; controllers?: Type[] } | Promise<unknown>;

/** Every module class a root module reaches through `imports`, static or dynamic. */
function reachableModules(root: Type): Map<Type, { controllers: Type[] }> {
  const seen = new Map<Type, { controllers: Type[] }>();
  const visit = (entry: ModuleRef | undefined) => {
    if (!entry || entry instanceof Promise) return;
    const dynamic = 'module' in entry ? entry : undefined;
    const type = dynamic ? dynamic.module : (entry as Type);
    const controllers = [
      ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) as Type[] | undefined) ?? []),
      ...(dynamic?.controllers ?? []),
    ];
    const known = seen.get(type);
    if (known && !dynamic) return;
    seen.set(type, { controllers: [...(known?.controllers ?? []), ...controllers] });
    const imports = [...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) as ModuleRef[] | undefined) ?? []), ...(dynamic?.imports ?? [])];
    for (const imported of imports) visit(imported);
  };
  visit(root);
  return seen;
}

/** The modules reachable from `root` whose own imports name `imported`. */
function importersOf(root: Type, imported: Type): string[] {
  return [...reachableModules(root).keys()]
    .filter((type) => ((Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) as ModuleRef[] | undefined) ?? []).includes(imported))
    .map((type) => type.name)
    .sort();
}

describe('worker module graph', () => {
  it('the worker loads no controller', () => {
    const controllers = [...reachableModules(WorkerModule).values()].flatMap((module) => module.controllers.map((type) => type.name));
    expect(controllers).toEqual([]);
  });

  // The API's graph cannot be loaded here (@nestjs/throttler under jest's ESM); the e2e specs boot it.
  it('the queues are no global module: each room that queues jobs or reads them imports QueueModule', () => {
    expect(Reflect.getMetadata(GLOBAL_MODULE_METADATA, QueueModule)).toBeUndefined();
    expect(QueueConnectionModule.forRole('worker').global).toBeUndefined();
    expect(importersOf(WorkerModule, QueueModule)).toEqual([
      'BackupCommandsModule',
      'BackupsWorkerModule',
      'DrillCommandsModule',
      'DrillsWorkerModule',
      'NotificationsModule',
      'NotificationsWorkerModule',
      'RestoresWorkerModule',
      'RetentionWorkerModule',
      'SchedulesModule',
    ]);
  });

});
