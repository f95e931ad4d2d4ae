import { keptNotes, NOTES_END, NOTES_START } from '../../src/bench/markdown';
import { percentile } from '../../src/bench/metrics';

test('percentiles are nearest-rank: every reported value was observed', () => {
  const sorted = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
  expect(percentile(sorted, 50)).toBe(100);
  expect(percentile(sorted, 95)).toBe(190);
  expect(percentile(sorted, 99)).toBe(200);
  expect(percentile([7], 99)).toBe(7);
  expect(percentile([], 50)).toBeNaN();
});

test('the hand-written tuning notes of docs/benchmarks.md are kept as they are', () => {
  const notes = '- **WAL** on the dev server: commits stop waiting for an fsync.\n\n| a | b |\n| - | - |\n| 1 | 2 |';
  const existing = `# Benchmarks\n\ngenerated\n\n${NOTES_START}\n\n${notes}\n\n${NOTES_END}\n\n## Reproduce\n`;
  expect(keptNotes(existing)).toBe(notes);
  // No file yet, or no markers in it: a placeholder that says what goes there.
  expect(keptNotes(undefined)).toMatch(/by hand/);
  expect(keptNotes('# Benchmarks\n')).toMatch(/by hand/);
});
