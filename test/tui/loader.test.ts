/**
 * The TUI's reader: snapshots while reading, the final result at the end, and stopping when the
 * user quits early.
 */
import { describe, expect, it } from 'vitest';
import { CaptureLoader } from '../../src/render/tui/loader.js';
import { LAB_INSIDE, LAB_OUTSIDE, haveLabCapture, noLabCaptureReason } from './fixtures.js';

const SIDES = { insideFiles: [LAB_INSIDE], outsideFiles: [LAB_OUTSIDE], insideInterfaces: [], outsideInterfaces: [] };

describe.skipIf(!haveLabCapture)(`CaptureLoader${haveLabCapture ? '' : `: skipped, ${noLabCaptureReason}`}`, () => {
  it('publishes progress and ends with the complete result', async () => {
    const loader = new CaptureLoader([LAB_INSIDE, LAB_OUTSIDE], SIDES);
    expect(loader.get().status).toMatchObject({ reading: true, text: 'opening…' });
    expect(loader.get().result.stats.sipMessages).toBe(0);
    const seen: string[] = [];
    loader.subscribe(() => seen.push(loader.get().status.text));
    await expect(loader.start()).resolves.toBe(true);
    const { result, status } = loader.get();
    expect(status.reading).toBe(false);
    expect(status.text).toMatch(/^read \d+ packets in /);
    expect(status.errors).toEqual([]);
    expect(result.verdict.verdict).toBe('alg-detected');
    expect(result.files.map((f) => f.path)).toEqual([LAB_INSIDE, LAB_OUTSIDE]);
    expect(seen.at(-1)).toBe(status.text);
  });

  it('reports a file it cannot read and goes on with the others', async () => {
    const loader = new CaptureLoader([LAB_INSIDE, 'no-such.pcap'], SIDES);
    await loader.start();
    expect(loader.get().status.errors).toEqual(['cannot read capture "no-such.pcap": no such file']);
    expect(loader.get().result.stats.sipMessages).toBeGreaterThan(0);
  });

  it('stops reading when told to', async () => {
    const loader = new CaptureLoader([LAB_INSIDE, LAB_OUTSIDE], SIDES);
    const reading = loader.start();
    loader.stop();
    await expect(reading).resolves.toBe(false);
    expect(loader.get().status.reading).toBe(true);
  });
});
