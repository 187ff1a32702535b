/** Minimal promise wrappers over IndexedDB: just what the outbox needs, no library. */

export function requestToPromise<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => { resolve(request.result); };
    request.onerror = () => { reject(request.error ?? new DOMException('IndexedDB request failed', 'UnknownError')); };
  });
}

/** Resolves when the transaction commits (so the data is durable), rejects if it aborts. */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => { resolve(); };
    tx.onabort = () => { reject(tx.error ?? new DOMException('transaction aborted', 'AbortError')); };
    tx.onerror = () => { reject(tx.error ?? new DOMException('transaction failed', 'UnknownError')); };
  });
}

export function openDatabase(
  factory: IDBFactory,
  name: string,
  version: number,
  upgrade: (db: IDBDatabase, oldVersion: number) => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, version);
    request.onupgradeneeded = (event) => { upgrade(request.result, event.oldVersion); };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab upgrading the schema: step aside instead of blocking it.
      db.onversionchange = () => { db.close(); };
      resolve(db);
    };
    request.onerror = () => { reject(request.error ?? new DOMException('IndexedDB request failed', 'UnknownError')); };
    request.onblocked = () => { reject(new DOMException(`IndexedDB "${name}" is blocked by another tab`, 'InvalidStateError')); };
  });
}
