import { describe, expect, it } from '@jest/globals';
import type { Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants.js';
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

describe('worker module graph', () => {
  it('the worker loads no controller', () => {
    const controllers = [...reachableModules(WorkerModule).values()].flatMap((module) => module.controllers.map((type) => type.name));
    expect(controllers).toEqual([]);
  });

});
