/**
 * Writes the documentation of a run into a docs folder: the chart (SVG), the report (JSON), the
 * tuning log when the run is labelled, and benchmarks.md, formatted by the project's prettier
 * so that `npm run format:check` stays clean.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { appendToBenchLog, logEntryOf, readBenchLog } from './bench-log';
import { renderChartSvg } from './chart';
import { keptNotes, renderBenchmarksMd } from './markdown';
import { writeJson, type BenchReport } from './report';

export const DOC_FILES = {
  markdown: 'benchmarks.md',
  chart: 'benchmarks.svg',
  report: 'benchmarks.json',
  log: 'bench-log.json',
} as const;

async function writeFormatted(file: string, text: string, parser: 'markdown' | 'json'): Promise<void> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...config, parser }));
}

/** Appends the run to the tuning log (labelled runs only); answers the files written. */
export async function writeDocs(dir: string, report: BenchReport, regenerate: boolean): Promise<string[]> {
  const written: string[] = [];
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, DOC_FILES.log);
  if (report.label) {
    const log = appendToBenchLog(logFile, logEntryOf(report, report.label));
    await writeFormatted(logFile, JSON.stringify(log), 'json');
    written.push(logFile);
  }
  if (!regenerate) return written;
  const chartFile = path.join(dir, DOC_FILES.chart);
  writeFileSync(chartFile, `${await renderChartSvg(report)}\n`);
  const reportFile = path.join(dir, DOC_FILES.report);
  writeJson(reportFile, report);
  await writeFormatted(reportFile, readFileSync(reportFile, 'utf8'), 'json');
  const mdFile = path.join(dir, DOC_FILES.markdown);
  const existing = existsSync(mdFile) ? readFileSync(mdFile, 'utf8') : undefined;
  await writeFormatted(
    mdFile,
    renderBenchmarksMd(report, readBenchLog(logFile), keptNotes(existing), DOC_FILES.chart),
    'markdown',
  );
  written.push(chartFile, reportFile, mdFile);
  return written;
}
