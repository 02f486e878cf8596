import { killLeftoverChildren } from './service-processes.js';

/**
 * After each test file: a service or server its cleanup left running would keep jest from exiting. Hooks of one
 * block run in the order they are declared, and this one is declared first, at the top level: a file stops its
 * services in an afterAll inside its describe, which runs before this one.
 */
afterAll(async () => {
  const killed = await killLeftoverChildren();
  if (killed.length) console.warn(`Killed what this file left running:\n${killed.join('\n')}`);
});
