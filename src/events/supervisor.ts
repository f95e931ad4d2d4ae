/**
 * Keeps one part of the event side running (the relay, a consumer) until it is stopped: runs a
 * session, and when the session fails (the broker or the database away) runs a new one after a
 * growing pause (at most 10 s). An outage delays events; it loses none and needs no restart.
 */
import { logger } from '../logger';

export interface Running {
  stop(): Promise<void>;
}

export interface SessionControl {
  /** True once stop() was called: a session returns when it sees it. */
  readonly stopped: boolean;
  /**
   * Waits `ms` (for ever when undefined), or until stop() is called, or until `until` calls back
   * (a connection's close event).
   */
  pause(ms: number | undefined, until?: (wake: () => void) => void): Promise<void>;
}

export function supervise(part: string, session: (control: SessionControl) => Promise<void>): Running {
  let stopped = false;
  let interrupt: (() => void) | undefined;
  const control: SessionControl = {
    get stopped() {
      return stopped;
    },
    pause: (ms, until) =>
      new Promise<void>((resolve) => {
        const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
        interrupt = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
        until?.(resolve);
      }),
  };
  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await session(control);
        failures = 0;
      } catch (err) {
        failures += 1;
        logger.warn({ err, part, failures }, `${part}: failed; retrying (events wait meanwhile, none is lost)`);
        await control.pause(Math.min(10_000, 250 * 2 ** failures));
      }
    }
  };
  const done = loop();
  return {
    async stop() {
      stopped = true;
      interrupt?.();
      await done;
    },
  };
}
