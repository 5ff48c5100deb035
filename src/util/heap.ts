/**
 * Full garbage collections asked for at the moments a long analysis knows most of its heap just
 * became garbage (right after concluding dialogs). V8 lets the heap grow to up to four times
 * what was live at its last full collection, and it collects when it chooses: on the SIP-heavy
 * benchmark the heap reached 250 MB around 45-70 MB live. Collecting just after a conclusion,
 * when least is live, and again only once the heap has grown a given factor past that, keeps the
 * peak near that factor times what is live, for about as many full collections as before.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collector: (() => void) | null | undefined;

/**
 * V8's gc(), as --expose-gc gives it: the flag set at run time exposes it in contexts made after,
 * so one new context hands it over. null where that fails.
 */
function fullCollector(): (() => void) | null {
  if (collector === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc: unknown = vm.runInNewContext('gc');
      collector = typeof gc === 'function' ? () => void gc() : null;
    } catch {
      collector = null;
    }
  }
  return collector;
}

export class HeapTrimmer {
  /** Heap in use right after the last collection asked for here (0 before the first). */
  #liveBytes = 0;

  /** `growth`: how many times what was then live the heap may reach before the next collection. */
  constructor(private readonly growth: number) {}

  /** Collects when this is the first call, or the heap in use reached `growth` times what was live. */
  collectIfGrown(): boolean {
    if (this.#liveBytes > 0 && v8.getHeapStatistics().used_heap_size < this.growth * this.#liveBytes) return false;
    const collect = fullCollector();
    if (collect === null) return false;
    collect();
    this.#liveBytes = v8.getHeapStatistics().used_heap_size;
    return true;
  }
}
