/**
 * The workflow API as the code before every patch in workflows/patches.ts saw it: `patched()`
 * answers false and records nothing, exactly the path a run took before the patch existed. Aliased
 * for `@temporalio/workflow` in a bundle of the current workflows (test/workflows/patched.test.ts).
 */
export * from '@temporalio/workflow/lib/index';

export function patched(_patchId: string): boolean {
  return false;
}
