import { describe, expect, it } from 'vitest';
import { appended, indexOfId, median, placeOfId } from '../../src/util/lists.js';

describe('lists', () => {
  it('places an id after every id not higher than it, among ascending ids', () => {
    const ids = [2, 3, 5, 8];
    const place = (id: number) => placeOfId(ids.length, (index) => ids[index]!, id);
    expect([9, 6, 4, 1].map(place)).toEqual([4, 3, 2, 0]);
    // An id already there: just after it, so a caller sees it at the place before.
    expect(place(5)).toBe(3);
    expect(placeOfId(0, () => 0, 1)).toBe(0);
  });

  it('finds an id among ascending ids by bisection, and says -1 for one that is not there', () => {
    const ids = [2, 3, 5, 8, 13, 21, 34];
    const find = (id: number) => indexOfId(ids.length, (index) => ids[index]!, id);
    expect(ids.map(find)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([1, 4, 20, 35].map(find)).toEqual([-1, -1, -1, -1]);
    expect(indexOfId(0, () => 0, 1)).toBe(-1);
  });

  it('appends to a short list by copying it to its exact length, and to a long one in place', () => {
    const short = [1, 2];
    const longer = appended(short, 3);
    expect(longer).toEqual([1, 2, 3]);
    expect(short).toEqual([1, 2]);
    const long = Array.from({ length: 16 }, (_, i) => i);
    expect(appended(long, 16)).toBe(long);
    expect(long).toHaveLength(17);
  });

  it('takes the median of unsorted numbers without reordering them', () => {
    const odd = [9, 1, 5];
    expect(median(odd)).toBe(5);
    expect(odd).toEqual([9, 1, 5]);
    expect(median([4, -2, 10, 3])).toBe(3.5);
    expect(median([0.25])).toBe(0.25);
  });
});
