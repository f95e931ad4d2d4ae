import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The checkout's root: the nearest folder above this file that holds package.json (works from src/ and dist/). */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** Per-user cache (XDG), outside the checkout so fresh clones on the same machine reuse builds. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'durable-orders');
}
