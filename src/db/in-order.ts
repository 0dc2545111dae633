/**
 * Promise.all, one after another. Queries inside a transaction share one connection; overlapping
 * them makes node-postgres warn (a future major refuses), so code that may run in a transaction uses this.
 */
export async function inOrder<T extends readonly unknown[]>(...tasks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const out: unknown[] = [];
  for (const task of tasks) out.push(await task());
  return out as unknown as T;
}
