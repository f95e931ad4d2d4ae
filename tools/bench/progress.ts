/**
 * The progress bar of a phase (cli-progress, on stderr): done/total, rate and p50 so far. On a
 * stream that is not a terminal (CI logs, tests) the bar stays silent and one line per phase is
 * printed when it ends.
 */
import { SingleBar } from 'cli-progress';
import type { Sample } from './drive';
import { latencyOf, throughputOf } from './metrics';

export interface PhaseProgress {
  add(sample: Sample): void;
  stop(): void;
}

export function phaseProgress(name: string, total: number, show: boolean): PhaseProgress {
  const bar = show
    ? new SingleBar({
        format: `${name.padEnd(26)} [{bar}] {value}/{total} | {rate}/s | p50 {p50} s | {duration}s`,
        barsize: 24,
        hideCursor: true,
        stream: process.stderr,
      })
    : undefined;
  const samples: Sample[] = [];
  bar?.start(total, 0, { rate: '-', p50: '-' });
  return {
    add(sample) {
      samples.push(sample);
      bar?.update(samples.length, {
        rate: throughputOf(samples).toFixed(2),
        p50: (latencyOf(samples).p50 / 1000).toFixed(2),
      });
    },
    stop() {
      bar?.stop();
    },
  };
}
