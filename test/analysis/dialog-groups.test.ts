import { describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import { groupDialogs } from '../../src/analysis/dialog-groups.js';
import type { MessagePair } from '../../src/correlate/types.js';
import { projectCapture } from '../helpers/paths.js';

const NO_SIDES = { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };

describe('dialogs grouped into calls across capture points', () => {
  it('makes each dialog a call of its own, in order of start, when nothing was matched across points', async () => {
    // Both interfaces of the router in one file: several points, several dialogs each.
    const result = await analyzeCaptures({ files: [projectCapture('lab/udp-call-alg/router.pcapng')], sides: NO_SIDES });
    const dialogs = result.dialogs.points.flatMap((p) => p.dialogs);
    expect(result.dialogs.points.length).toBeGreaterThan(1);
    expect(dialogs.length).toBeGreaterThan(2);
    const sideOf = () => 'unknown';
    const unmatched = groupDialogs(result.dialogs, [], sideOf);
    expect(unmatched.map((g) => g.dialogs)).toEqual(
      [...dialogs].sort((a, b) => a.start.sec - b.start.sec || a.start.nsec - b.start.nsec).map((d) => [d]),
    );
    // The same as the general way gives with a pair that ties no dialog (its point is unknown).
    const nowhere = { id: -1, origin: { point: { key: 'nowhere' } } };
    const untied = [{ inside: nowhere, outside: nowhere } as unknown as MessagePair];
    expect(groupDialogs(result.dialogs, untied, sideOf)).toEqual(unmatched);
  });
});
