import type { DetectionContext } from './types.js';

/**
 * `compute`, worked out once per detection run (one DetectionContext) and shared by every rule that
 * asks during that run.
 */
export function oncePerRun<T>(compute: (ctx: DetectionContext) => T): (ctx: DetectionContext) => T {
  const byContext = new WeakMap<DetectionContext, { value: T }>();
  return (ctx) => {
    let known = byContext.get(ctx);
    if (known === undefined) byContext.set(ctx, (known = { value: compute(ctx) }));
    return known.value;
  };
}
