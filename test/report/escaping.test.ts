import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderIndexCsv, renderIndexHtml } from '../../src/render/report/batch-index.js';
import { mdCode, mdText } from '../../src/render/report/case-markdown.js';
import { html } from '../../src/render/report/html-kit.js';
import { renderCase } from '../../src/report/render-case.js';
import { escapeHtml } from '../../src/util/sanitize.js';
import { HOSTILE, parseHtml, writeHostileAlgCase } from './helpers.js';

/** Everything the report pages may contain: anything else would have come from a capture. */
const ALLOWED_ELEMENTS = new Set([
  'html', 'head', 'meta', 'title', 'style', 'body', 'div', 'h1', 'h2', 'h3', 'h4', 'p', 'ul', 'li', 'nav', 'section', 'footer', 'a', 'span', 'code', 'pre',
  'mark', 'strong', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'svg', 'g', 'rect', 'line', 'polygon', 'path', 'text',
]);
const ALLOWED_ATTRIBUTES = new Set([
  'lang', 'charset', 'http-equiv', 'content', 'name', 'class', 'id', 'href', 'title', 'xmlns', 'width', 'height', 'viewbox', 'role', 'aria-label',
  'x', 'y', 'x1', 'y1', 'x2', 'y2', 'rx', 'd', 'fill', 'points', 'text-anchor',
]);

const dir = mkdtempSync(path.join(tmpdir(), 'algscope-escaping-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tool = { name: 'algscope', version: 'test' };

async function hostileCase() {
  const { inside, outside } = writeHostileAlgCase(dir);
  return renderCase({
    name: `customer <script>alert("case")</script>`,
    files: [inside, outside],
    sides: { insideFiles: [inside], outsideFiles: [outside], insideInterfaces: [], outsideInterfaces: [] },
    grouping: ['<b>grouping</b> line'],
    tool,
    indexHref: '../index.html',
  });
}

describe('captured text in the HTML case report', () => {
  it('renders a <script> header (and every other hostile value) as text, never as markup', async () => {
    const report = await hostileCase();
    expect(report.summary.verdict).toBe('alg-detected');
    const page = parseHtml(report.html);
    expect(page.problems).toEqual([]);
    expect(page.elements.filter((e) => !ALLOWED_ELEMENTS.has(e))).toEqual([]);
    expect([...page.attributes].filter((a) => !ALLOWED_ATTRIBUTES.has(a))).toEqual([]);
    expect(page.hrefs.filter((h) => !h.startsWith('#') && h !== '../index.html')).toEqual([]);
    expect(report.html).not.toMatch(/<script|<img|<svg onload|<b>|javascript:alert\(3\)">/i);

    // The values are there, as escaped text: in the headers of the diffs, the dialog titles, the findings.
    for (const value of [HOSTILE.userAgent, HOSTILE.header, HOSTILE.callId, HOSTILE.markdown]) expect(page.text).toContain(escapeHtml(value));
    expect(page.text).toContain('&lt;/pre&gt;&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page.text).toContain('s=&lt;script&gt;alert(5)&lt;/script&gt;');
    expect(page.text).toContain('customer &lt;script&gt;alert(&quot;case&quot;)&lt;/script&gt;');
    expect(page.text).toContain('&lt;b&gt;grouping&lt;/b&gt; line');
    // Terminal escape sequences are removed, other control characters shown as \xNN.
    expect(report.html).not.toContain('\u001b');
    expect(report.html).not.toContain('\u0007');
    expect(page.text).toContain('X-Term: red');
  });

  it('keeps hostile text out of the Markdown markup: outside code spans every <, [ and | is escaped', async () => {
    const report = await hostileCase();
    expect(report.markdown).toContain('# customer \\<script\\>alert("case")\\</script\\>');
    const outsideCode = report.markdown.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '');
    expect(outsideCode).not.toMatch(/(^|[^\\])</m);
    expect(outsideCode).not.toMatch(/(^|[^\\])\[click\]/m);
    expect(outsideCode).not.toMatch(/http:\/\/evil/);
    expect(report.markdown).not.toContain('\u001b');
  });

  it('escapes case names and failure reasons in the index; CSV cells cannot start a formula', () => {
    const rows = [
      { name: '<script>alert(1)</script>.pcap', files: ['x'], failure: '<img src=x onerror=alert(2)>' },
      { name: '=HYPERLINK("http://evil","x")', files: ['y'], failure: 'a "quoted", reason\nwith a line' },
    ];
    const index = renderIndexHtml({ rows, notAnalyzed: [{ path: '<i>notes</i>.txt', reason: 'not a capture' }], tool, runInfoHref: 'run.json' });
    const page = parseHtml(index);
    expect(page.problems).toEqual([]);
    expect(page.elements.filter((e) => !ALLOWED_ELEMENTS.has(e))).toEqual([]);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.pcap');
    expect(page.text).toContain('&lt;i&gt;notes&lt;/i&gt;.txt');
    const csv = renderIndexCsv(rows).split('\r\n');
    expect(csv[1]!.startsWith('<script>alert(1)</script>.pcap,failed,')).toBe(true);
    expect(csv[2]!.startsWith(`"'=HYPERLINK(""http://evil"",""x"")",failed,`)).toBe(true);
    expect(csv[2]).toContain('"a ""quoted"", reason\nwith a line"');
  });
});

describe('escaping helpers', () => {
  it('html`` escapes interpolated strings and inserts only markup built with html``', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${inner}${['<', html`<br>`]}${null}${undefined}${false}${0}</p>`.value).toBe('<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;<br>0</p>');
  });

  it('mdCode holds backticks and pipes; mdText escapes Markdown, HTML and autolinks', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode('a|b')).toBe('`a\\|b`');
    expect(mdText('<b>[x](y) *z* www.evil.example http://e')).toBe('\\<b\\>\\[x\\](y) \\*z\\* www\\.evil.example http:\\/\\/e');
    expect(mdText('- not a list')).toBe('\\- not a list');
    expect(mdText('1. not a list')).toBe('1\\. not a list');
  });
});
