/**
 * Runs `leave` once the element has left the DOM for good. Moving an element (remove, then
 * append elsewhere in the same task, as frameworks and drag-and-drop do) disconnects and
 * reconnects it; that is not leaving, so the check waits for the end of the task.
 */
export function whenLeft(element: { readonly isConnected: boolean }, leave: () => void): void {
  setTimeout(() => {
    if (!element.isConnected) leave();
  }, 0);
}
