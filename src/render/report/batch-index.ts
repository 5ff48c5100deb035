/**
 * The index across all cases of a batch, as HTML and as CSV: case, verdict, top findings, dialogs,
 * duration, and links to the case reports. Rows come in the order given (the batch sorts them by
 * case name) and nothing in either file depends on when it was made.
 */
import type { Verdict } from '../../detect/types.js';
import { formatDuration } from '../../util/time.js';
import type { CaseSummary } from './case-model.js';
import { html, type Markup } from './html-kit.js';
import { htmlPage, verdictBadge } from './page.js';

export interface IndexRow {
  name: string;
  files: string[];
  /** Report files relative to the index; absent when the case could not be rendered at all. */
  reports?: { html: string; markdown: string; json: string };
  summary?: CaseSummary;
  /** Why the case failed (the analysis stopped, or a capture could not be read). */
  failure?: string;
}

export interface IndexInput {
  rows: IndexRow[];
  /** Files found in the inputs that are not captures, and arguments that gave nothing. */
  notAnalyzed: { path: string; reason: string }[];
  tool: { name: string; version: string };
  /** Where the run's date, duration and options are kept (the one file that changes from run to run). */
  runInfoHref: string;
}

const VERDICTS: Verdict[] = ['alg-detected', 'alg-suspected', 'nat-without-alg', 'no-nat', 'inconclusive'];
const TOP_FINDINGS_SHOWN = 3;

function durationText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return formatDuration(seconds);
  const s = Math.round(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function renderIndexHtml(input: IndexInput): string {
  const { rows } = input;
  const failed = rows.filter((r) => r.failure).length;
  const count = (v: Verdict) => rows.filter((r) => r.summary?.verdict === v).length;
  const row = (r: IndexRow, i: number): Markup => {
    const s = r.summary;
    const top = s?.topFindings.slice(0, TOP_FINDINGS_SHOWN) ?? [];
    return html`<tr>
<td class="num">${i + 1}</td>
<td>${r.reports ? html`<a href="${r.reports.html}">${r.name}</a>` : r.name}</td>
<td>${s ? verdictBadge(s.verdict) : undefined}${r.failure ? html` <span class="verdict v-failed">FAILED</span>` : undefined}</td>
<td class="nowrap">${top.map((t, n) => html`${n > 0 ? html`<br>` : undefined}<span class="sev ${t.severity}">${t.severity.toUpperCase()}</span><code>${t.rule}</code>${t.count > 1 ? ` ×${t.count}` : ''}`)}${s && s.topFindings.length > TOP_FINDINGS_SHOWN ? html`<br><span class="muted">and ${s.topFindings.length - TOP_FINDINGS_SHOWN} more rules</span>` : undefined}</td>
<td class="num">${s?.findings ?? ''}</td>
<td class="num">${s?.dialogs ?? ''}</td>
<td class="num">${durationText(s?.durationSeconds)}</td>
<td class="num">${r.files.length}</td>
<td class="nowrap">${r.reports ? html`<a href="${r.reports.html}">HTML</a> · <a href="${r.reports.markdown}">Markdown</a> · <a href="${r.reports.json}">JSON</a>` : undefined}</td>
${failed ? html`<td>${r.failure ?? ''}</td>` : undefined}
</tr>`;
  };
  const body = html`<h1>algscope batch report</h1>
<div class="muted">${rows.length} case${rows.length === 1 ? '' : 's'}</div>
<p>${VERDICTS.map((v) => html`${verdictBadge(v)} ${count(v)} &nbsp; `)}${failed ? html`<span class="verdict v-failed">FAILED</span> ${failed}` : undefined}</p>
<div class="scroll"><table class="wide">
<thead><tr><th class="num">#</th><th>case</th><th>verdict</th><th>top findings</th><th class="num">findings</th><th class="num">dialogs</th><th class="num">duration</th><th class="num">files</th><th>reports</th>${failed ? html`<th>why it failed</th>` : undefined}</tr></thead>
<tbody>${rows.map(row)}</tbody>
</table></div>
${input.notAnalyzed.length ? html`<h2>Not analyzed</h2><table><thead><tr><th>input</th><th>why</th></tr></thead><tbody>${input.notAnalyzed.map((n) => html`<tr><td class="mono">${n.path}</td><td>${n.reason}</td></tr>`)}</tbody></table>` : undefined}
<footer>${input.tool.name} ${input.tool.version}. Duration: from the first to the last SIP or RTP packet of a case (at the capture point that covers the longest). When this batch was run, how long it took and with which options: <a href="${input.runInfoHref}">${input.runInfoHref}</a> (the only file that differs between two runs over the same captures).</footer>`;
  return htmlPage(`algscope batch report: ${rows.length} cases`, body);
}

/** RFC 4180 field; text that a spreadsheet would run as a formula gets a leading apostrophe. */
function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const INDEX_CSV_COLUMNS = [
  'case', 'status', 'verdict', 'findings', 'rules', 'dialogs', 'duration_seconds', 'files', 'packets', 'sip_messages', 'html', 'markdown', 'json', 'problem',
] as const;

export function renderIndexCsv(rows: IndexRow[]): string {
  const lines = [INDEX_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const s = r.summary;
    const cells: (string | number)[] = [
      r.name,
      r.failure ? 'failed' : 'ok',
      s?.verdict ?? '',
      s?.findings ?? '',
      s?.topFindings.map((t) => t.rule).join(' ') ?? '',
      s?.dialogs ?? '',
      s?.durationSeconds !== undefined && s.durationSeconds !== null ? s.durationSeconds.toFixed(6) : '',
      r.files.length,
      s?.packets ?? '',
      s?.sipMessages ?? '',
      r.reports?.html ?? '',
      r.reports?.markdown ?? '',
      r.reports?.json ?? '',
      r.failure ?? '',
    ];
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
