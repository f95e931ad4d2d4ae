/**
 * The sandbox carrier's parcel runs (v0.4): once a booking is recorded, the shipping service hands
 * the parcel over (`schedule`) and the sandbox sends picked-up, in-transit and delivered
 * by itself, `transitMs / 3` apart, as a real carrier's status updates arrive from outside. Before
 * v0.4 an activity of the shipment workflow (`runSandboxCarrier`) played this part, which cost each
 * parcel's history an activity and a workflow task.
 *
 * The runs live in PostgreSQL (sandbox_carrier_runs), so a restarted worker resumes each one where
 * it stood. A sender claims the events that are due (FOR UPDATE SKIP LOCKED, under a lease, so
 * several shipping workers share the work), sends each and moves its run on. A crash between the
 * send and the move sends that event again once the lease lapses: at least once, as carriers do;
 * the event's record is idempotent and the shipment workflow ignores a stage it has passed.
 */
import type { Pool } from 'pg';
import { CARRIER_EVENTS, type CarrierEventType } from '../../domain';
import { logger } from '../../logger';

/** One event handed to whoever carries it on; `accepted: false` (a refused pickup) ends the run. */
export type SandboxCarrierDelivery = (e: { shipmentId: string; event: CarrierEventType }) => Promise<{
  accepted: boolean;
}>;

export interface SandboxCarrierRuns {
  /** Hands a parcel over for its run and wakes the sender; a repeat (a retried booking) changes nothing. */
  schedule(run: { shipmentId: string; transitMs: number }): Promise<void>;
  /** Stops claiming; resolves once the events in flight are sent and their runs moved on. */
  stop(): Promise<void>;
}

export interface SandboxCarrierRunOptions {
  pool: Pool;
  deliver: SandboxCarrierDelivery;
  /** The deployment's task-queue prefix: runs are scheduled and claimed under it. */
  queuePrefix?: string;
  /** How often to look for due events when nothing wakes the sender (runs of other workers, restarts). */
  scanMs?: number;
  /** How long a claim holds an event from other senders; a sender that dies gives it up after this. */
  leaseMs?: number;
  /** The wait before an event whose sending failed is tried again. */
  retryMs?: number;
  /** Events sent at once, at most. */
  batch?: number;
}

interface DueEvent {
  shipment_id: string;
  events_sent: number;
  transit_ms: number;
}

export function startSandboxCarrierRuns(opts: SandboxCarrierRunOptions): SandboxCarrierRuns {
  const { pool, deliver, queuePrefix = '', scanMs = 1_000, leaseMs = 10_000, retryMs = 1_000, batch = 50 } = opts;
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const claimDue = async (limit: number): Promise<DueEvent[]> =>
    (
      await pool.query<DueEvent>(
        `UPDATE sandbox_carrier_runs r SET next_event_at = now() + make_interval(secs => $2 / 1000.0)
         WHERE r.shipment_id IN (
           SELECT shipment_id FROM sandbox_carrier_runs WHERE queue_prefix = $3 AND next_event_at <= now()
           ORDER BY next_event_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING r.shipment_id, r.events_sent, r.transit_ms`,
        [limit, leaseMs, queuePrefix],
      )
    ).rows;

  /** Milliseconds until the next event is due, or undefined when no run waits. */
  const untilNext = async (): Promise<number | undefined> => {
    const { rows } = await pool.query<{ ms: string | null }>(
      `SELECT extract(epoch FROM min(next_event_at) - now()) * 1000 AS ms
       FROM sandbox_carrier_runs WHERE queue_prefix = $1 AND next_event_at IS NOT NULL`,
      [queuePrefix],
    );
    return rows[0]?.ms === null || rows[0]?.ms === undefined ? undefined : Math.max(0, Number(rows[0].ms));
  };

  const sendOne = async ({ shipment_id: shipmentId, events_sent: sent, transit_ms: transitMs }: DueEvent) => {
    const event = CARRIER_EVENTS[sent];
    try {
      const { accepted } = event ? await deliver({ shipmentId, event }) : { accepted: false };
      const next = sent + 1;
      // Over after the last event, or when the pickup was refused (the order was cancelled first).
      const over = !accepted || next >= CARRIER_EVENTS.length;
      await pool.query(
        `UPDATE sandbox_carrier_runs SET events_sent = $2,
           next_event_at = CASE WHEN $3 THEN NULL ELSE now() + make_interval(secs => $4::int / 3000.0) END
         WHERE shipment_id = $1`,
        [shipmentId, Math.min(next, CARRIER_EVENTS.length), over, transitMs],
      );
    } catch (err) {
      logger.warn({ err, shipmentId, event }, 'sandbox carrier: could not send the event; trying again');
      await pool
        .query(
          `UPDATE sandbox_carrier_runs SET next_event_at = now() + make_interval(secs => $2 / 1000.0)
           WHERE shipment_id = $1 AND events_sent = $3`,
          [shipmentId, retryMs, sent],
        )
        .catch(() => undefined); // the lease lapses by itself
    }
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  // Sends run beside the loop (up to `batch` at once), so one slow delivery holds up no other
  // parcel; each one's end wakes the loop, as its run's next event may be due at once.
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    while (!stopped) {
      woken = false;
      try {
        const room = batch - inFlight.size;
        if (room <= 0) {
          await pause(scanMs);
          continue;
        }
        const due = await claimDue(room);
        for (const row of due) {
          const sending: Promise<void> = sendOne(row).finally(() => {
            inFlight.delete(sending);
            wake();
          });
          inFlight.add(sending);
        }
        if (due.length === room) continue;
        const next = await untilNext();
        if (next === 0) continue;
        await pause(Math.min(next ?? scanMs, scanMs));
      } catch (err) {
        logger.warn({ err }, 'sandbox carrier: could not look for due events');
        await pause(scanMs);
      }
    }
    await Promise.all(inFlight);
  })();

  return {
    async schedule({ shipmentId, transitMs }) {
      await pool.query(
        `INSERT INTO sandbox_carrier_runs (shipment_id, queue_prefix, transit_ms, next_event_at)
         VALUES ($1, $2, $3::int, now() + make_interval(secs => $3::int / 3000.0))
         ON CONFLICT (shipment_id) DO NOTHING`,
        [shipmentId, queuePrefix, Math.max(0, Math.round(transitMs))],
      );
      wake();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
    },
  };
}
