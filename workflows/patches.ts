/**
 * Behaviour changes to workflow code that runs in flight, each behind `patched(id)`: a run that
 * passed the changed point on older code replays the old path, a run that reaches it on this code
 * takes the new one. Once no run started before a change remains (past retention), the old branch
 * goes and the call becomes `deprecatePatch(id)`; a later release drops that too. docs/operations.md, Deploys.
 */
export const PATCHES = {
  /** v0.2: a last-call approval reminder when a tenth of the window is left (was: half-way only). */
  approvalLastCall: 'approval-last-call-reminder',
  /**
   * v0.3, fewer history events per order: the order's search attributes are written once per
   * workflow task (the last value of each key) and the start's own are not written again; the
   * address check runs as a local activity; its shipments are started with `leanHistory` (one
   * deadline timer per parcel, no reports of their own: the shipping service's activities tell
   * the order Booked and picked-up). One patch for all: each patch costs a run two events (its
   * marker and a TemporalChangeVersion search attribute), and a child takes its path from its input.
   */
  leanHistory: 'lean-history',
  /**
   * v0.5: a shipment whose pickup was refused (a cancellation, or the order's own undo, closed the
   * gate first) waits for its order to cancel it and ends cancelled, instead of failing with
   * PickupRefused: a cancel that wins the pickup race is the system working, not an error.
   */
  pickupRefusedWaits: 'pickup-refused-waits',
  /**
   * v0.5, an undo that tells the truth: every failure closes the pickup gate first (not only a
   * cancellation), and one that finds a parcel left settles the order (confirm what left, release
   * and refund the rest: workflows/settle.ts) instead of failing with the stock held; a compensation
   * that fails for good flags the order in the read model, and a refund that failed is not reported
   * as Refunded. A shipment cancelled after its parcel left follows it to delivery.
   */
  truthfulUndo: 'truthful-undo',
  /**
   * v0.6: the record of an approval decision is never cancelled. A cancel granted in the same
   * workflow task as that record's answer cancelled a local activity that had finished, which the
   * SDK refuses ("[TMPRL1100] Nondeterminism error: Invalid transition in state machine"): every
   * retry of the task failed the same way and the order stopped (approve and cancel at once).
   */
  decisionRecordShielded: 'decision-record-shielded',
  /**
   * v0.7: approve, reject and cancel (Updates and Signals) carry a signed decision (src/domain/
   * decisions.ts): the claims are checked here, the Ed25519 signature by a local activity, and an
   * unsigned, forged, replayed or expired one is refused. Decisions in older histories were by name.
   */
  signedDecisions: 'signed-decisions',
  /**
   * v0.7: a `shipmentProgress` that moves a milestone (a carrier event: the point of no return,
   * Shipped) is believed only when the shipments table has it (a local activity reads it). Before,
   * anyone with Temporal access could signal `picked-up` and make a cancel be refused.
   */
  verifiedProgress: 'verified-progress',
  /**
   * v0.8, no shipment child: the order runs one Parcel per warehouse itself, in parallel, joined
   * (workflows/parcels-in-order.ts), about 20 history events and 5 workflow tasks less per order.
   * The booking records the order as the parcel's follower (`shipments.followed_by`), so the carrier's
   * events are signalled to the order with their shipmentId; a milestone's `recorded` claim is
   * believed only when the shipments table has it. No `shipmentProgress` from the shipping service
   * for these parcels. Checked once, when the order ships; a run that shipped on older code replays
   * its shipment children.
   */
  parcelsInOrder: 'parcels-in-order',
} as const;
