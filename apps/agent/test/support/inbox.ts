/** Collects messages and lets a test await the next one (or one matching a predicate) instead of sleeping. */
export interface Inbox<T> {
  items: T[];
  push(item: T): boolean;
  next(predicate?: (item: T) => boolean, timeoutMs?: number): Promise<T>;
}

export function inbox<T>(): Inbox<T> {
  const items: T[] = [];
  let consumed = 0;
  const waiters: (() => void)[] = [];
  return {
    items,
    push(item) {
      items.push(item);
      waiters.splice(0).forEach((w) => w());
      return true;
    },
    async next(predicate = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (consumed < items.length) {
          const item = items[consumed++] as T;
          if (predicate(item)) return item;
        }
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no matching item within ${timeoutMs} ms (got ${JSON.stringify(items)})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}
