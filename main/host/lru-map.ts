/**
 * A Map bounded to `capacity` entries that drops the least recently used first. "Used" is set
 * and get; peek and has look without using. set returns what it dropped, so the caller decides
 * what dropping means (dispose an engine, close a file, nothing).
 */
export class LruMap<K, V> {
  // A Map iterates in insertion order: re-inserting an entry on use keeps the oldest first.
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`LruMap capacity must be at least 1, not ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key) as V;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  /** The value, its place unchanged. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Stores `value` as the most recently used; returns the entries dropped to stay within capacity, oldest first. */
  set(key: K, value: V): [K, V][] {
    this.map.delete(key);
    this.map.set(key, value);
    const dropped: [K, V][] = [];
    for (const entry of this.map) {
      if (this.map.size <= this.capacity) break;
      this.map.delete(entry[0]);
      dropped.push(entry);
    }
    return dropped;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Deletes `key` only while it still holds `value` (a failed load must not remove its successor). */
  deleteIf(key: K, value: V): boolean {
    return this.map.get(key) === value && this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}
