/**
 * Behaviour changes to workflow code that runs in flight, each behind `patched(id)`: a run that
 * passed the changed point on older code replays the old path, a run that reaches it on this code
 * takes the new one. Once no run started before a change remains (past retention), the old branch
 * goes and the call becomes `deprecatePatch(id)`; a later release drops that too. README: Deploys.
 */
export const PATCHES = {
  /** v0.2: a last-call approval reminder when a tenth of the window is left (was: half-way only). */
  approvalLastCall: 'approval-last-call-reminder',
} as const;
