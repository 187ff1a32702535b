import { LitElement } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ConsoleApi } from './api.js';

/**
 * Base of the console's pages: the API client, an error and a notice to show, and the two ways a
 * page talks to the relay: `load` (read, error shown on failure) and `act` (a reviewer action,
 * then `reload`).
 */
export abstract class ConsolePageElement extends LitElement {
  @property({ attribute: false }) api = new ConsoleApi();
  @state() protected error: string | null = null;
  @state() protected notice = '';
  @state() protected busy = false;

  abstract reload(): Promise<void>;

  protected async load(work: () => Promise<void>): Promise<void> {
    try {
      await work();
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  protected async act(notice: string, action: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.notice = '';
    try {
      await action();
      this.notice = notice;
      await this.reload();
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }
}
