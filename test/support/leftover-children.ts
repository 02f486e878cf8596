import { killLeftoverChildren } from './service-processes.js';

/** After each test file: a service or server its cleanup left running would keep jest from exiting. */
afterAll(async () => {
  const killed = await killLeftoverChildren();
  if (killed.length) console.warn(`Killed what this file left running:\n${killed.join('\n')}`);
});
