/** A shallow copy of `obj` without `keys`; the other keys keep their order (as a rest destructuring would). */
export function omit<T extends object, K extends keyof T & string>(obj: T, ...keys: K[]): Omit<T, K> {
  const dropped = new Set<string>(keys);
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !dropped.has(key))) as Omit<T, K>;
}
