/**
 * Stacking a group's runs in lanes so that no two bars in a lane overlap: the classic interval
 * partitioning, with two heaps so that 10k runs in one group stay O(n log n).
 *
 * @module
 * @internal
 */

/** A binary min-heap on a comparison. @internal */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.less(items[i] as T, items[up] as T)) break;
      [items[i], items[up]] = [items[up] as T, items[i] as T];
      i = up;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let min = i;
      if (left < items.length && this.less(items[left] as T, items[min] as T)) min = left;
      if (right < items.length && this.less(items[right] as T, items[min] as T)) min = right;
      if (min === i) break;
      [items[i], items[min]] = [items[min] as T, items[i] as T];
      i = min;
    }
    return top;
  }
}

/** A span of time one bar takes. @internal */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/**
 * The lane of each interval (same order as given) and how many lanes there are. Each interval
 * takes at least `minSpan`, so that bars too short to see apart (instant runs drawn a few pixels
 * wide) still get lanes of their own. A lane is reused by the earliest interval that starts at or
 * after its last one ends, and the lowest free lane is taken, so the stack stays compact.
 *
 * @internal
 */
export function assignLanes(intervals: readonly Interval[], minSpan: number): { lanes: number[]; count: number } {
  const order = intervals.map((_, i) => i).sort((a, b) => (intervals[a] as Interval).start - (intervals[b] as Interval).start || a - b);
  const busy = new Heap<{ end: number; lane: number }>((a, b) => a.end < b.end || (a.end === b.end && a.lane < b.lane));
  const free = new Heap<number>((a, b) => a < b);
  const lanes = new Array<number>(intervals.length).fill(0);
  let count = 0;
  for (const i of order) {
    const { start, end } = intervals[i] as Interval;
    while (busy.size > 0 && (busy.peek() as { end: number }).end <= start) free.push((busy.pop() as { lane: number }).lane);
    const lane = free.pop() ?? count++;
    lanes[i] = lane;
    busy.push({ end: Math.max(end, start + minSpan), lane });
  }
  return { lanes, count };
}
