import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../cds/project-root.js';

export const STATIC_FILES = ['index.html', 'workbench.css', 'workbench.js'] as const;

/**
 * The page's assets are plain browser files kept in src/workbench/static and never compiled, so the
 * built service (dist/src/workbench) reaches them through the project root, like tests running from src/.
 */
export function workbenchStaticDir(root: string = projectRoot()): string {
  const dir = join(root, 'src', 'workbench', 'static');
  const missing = STATIC_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new Error(`workbench assets not found in ${dir} (missing: ${missing.join(', ')}); the workbench needs the source tree`);
  }
  return dir;
}
