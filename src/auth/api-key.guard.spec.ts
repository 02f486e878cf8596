import { describe, expect, it } from '@jest/globals';
import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { grants, requiredScope } from './api-key.guard.js';
import { ANY_KEY, API_SCOPES, Public, RequireAnyKey, RequireScope } from './scopes.js';

@Controller()
class Plain {
  @Get() undecorated() {}
  @RequireScope('read') @Get() reading() {}
  @Public() @Get() open() {}
}

@RequireScope('backup')
@Controller()
class Scoped {
  @Get() inherited() {}
  @RequireScope('delete') @Get() overridden() {}
  @RequireAnyKey() @Get() anyKey() {}
}

@Public()
@Controller()
class Open {
  @Get() anything() {}
}

function context(controller: new () => object, handler: string): ExecutionContext {
  return {
    getClass: () => controller,
    getHandler: () => (controller.prototype as Record<string, unknown>)[handler],
  } as unknown as ExecutionContext;
}

describe('requiredScope', () => {
  const reflector = new Reflector();

  it.each([
    [Plain, 'undecorated', 'admin'],
    [Plain, 'reading', 'read'],
    [Plain, 'open', null],
    [Scoped, 'inherited', 'backup'],
    [Scoped, 'overridden', 'delete'],
    [Open, 'anything', null],
    [Scoped, 'anyKey', ANY_KEY],
  ] as const)('%p.%s needs %p (no metadata: admin)', (controller, handler, scope) => {
    expect(requiredScope(reflector, context(controller, handler))).toBe(scope);
  });
});

describe('grants', () => {
  it('admin satisfies every scope; others only their own', () => {
    for (const needed of API_SCOPES) {
      expect(grants(['admin'], needed)).toBe(true);
      expect(grants(['read'], needed)).toBe(needed === 'read');
    }
    expect(grants(['read', 'backup'], 'backup')).toBe(true);
    expect(grants([], 'read')).toBe(false);
  });
});
