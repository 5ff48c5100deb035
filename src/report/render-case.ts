/**
 * One case, start to finish: analyze its captures and render its three reports. Runs in a worker
 * thread; what it returns is plain strings and numbers (the AnalysisResult, with its Maps and
 * functions, stays in the worker).
 */
import { analyzeCaptures } from '../analysis/analyze.js';
import type { SideAssignment } from '../correlate/types.js';
import { caseView, type CaseSummary } from '../render/report/case-model.js';
import { renderCaseHtml } from '../render/report/case-html.js';
import { renderCaseMarkdown } from '../render/report/case-markdown.js';
import { analysisJson } from '../render/json.js';

export interface CaseJob {
  name: string;
  files: string[];
  sides: SideAssignment;
  grouping: string[];
  tool: { name: string; version: string };
  /** Link from the case reports back to the index. */
  indexHref: string;
}

export interface RenderedCase {
  html: string;
  markdown: string;
  /** The `analyze --format json` document of the case. */
  json: string;
  summary: CaseSummary;
}

/** `onProgress` gets the fraction of the case's bytes read so far (0..1). */
export async function renderCase(job: CaseJob, onProgress?: (fraction: number) => void): Promise<RenderedCase> {
  const result = await analyzeCaptures({
    files: job.files,
    sides: job.sides,
    onProgress: onProgress && ((p) => onProgress((p.fileIndex + (p.totalBytes ? Math.min(1, p.bytesRead / p.totalBytes) : 0)) / p.files)),
  });
  const meta = { name: job.name, grouping: job.grouping, tool: job.tool, indexHref: job.indexHref };
  const view = caseView(result);
  return {
    html: renderCaseHtml(result, meta, view),
    markdown: renderCaseMarkdown(result, meta, view),
    json: `${JSON.stringify(analysisJson(result, job.tool), null, 2)}\n`,
    summary: view.summary,
  };
}
