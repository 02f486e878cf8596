import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Chinook sample databases (MIT, see CHINOOK-LICENSE.md there); FIXTURES_DIR points elsewhere. */
export const FIXTURES_DIR = path.resolve(REPO_ROOT, process.env.FIXTURES_DIR ?? 'test/fixtures');
