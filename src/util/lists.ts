/**
 * `list` with `item` appended. A short list is copied to its exact length instead: a push grows an
 * array by 16 spare slots, and the dialog stage holds many lists of two or three items (ids and
 * keys of a transaction, responses, a dialog's entries) for as long as their dialog is held.
 * Callers store the list returned. A short list is never changed in place, so a shared frozen empty
 * list may start one.
 */
export function appended<T>(list: T[], item: T): T[] {
  const n = list.length;
  if (n >= EXACT_UP_TO) {
    list.push(item);
    return list;
  }
  const out = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) out[i] = list[i]!;
  out[n] = item;
  return out;
}

/** Beyond this length a push's spare room is a small share of the list. */
const EXACT_UP_TO = 16;

/**
 * Where an item with `id` goes among `length` items whose ids (idAt) ascend, so that they still
 * do: after every item whose id is not higher (one with the same id is just before). Scans back
 * from the end, since such items nearly always arrive in id order.
 */
export function placeOfId(length: number, idAt: (index: number) => number, id: number): number {
  let at = length;
  while (at > 0 && idAt(at - 1) > id) at--;
  return at;
}

/**
 * Where `id` is among `length` items whose ids (idAt) ascend, by bisection; -1 when it is not
 * there. For lists kept in order of arrival by a sequential id (messages, and what is filed by
 * message).
 */
export function indexOfId(length: number, idAt: (index: number) => number, id: number): number {
  let low = 0;
  let high = length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const found = idAt(middle);
    if (found === id) return middle;
    if (found < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** The median of `values` (the mean of the middle two when there is an even number); `values` is not reordered. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
