/** Small display helpers shared by the console elements. */
export const dateTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');
export const percent = (score: number): string => `${Math.round(score * 100)}%`;
export const humanType = (type: string): string => type.toLowerCase().replace(/_/g, ' ');

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';
export function statusTone(status: string): Tone {
  if (status === 'IN_PROGRESS' || status === 'delivered' || status === 'RESOLVED') return 'ok';
  if (status === 'PAUSED' || status === 'pending' || status === 'TRIGGERED' || status === 'REOPENED' || status === 'MEDIUM') return 'warn';
  if (status === 'STOPPED' || status === 'SUSPENDED' || status === 'undelivered' || status === 'HIGH' || status === 'critical') return 'bad';
  return 'neutral';
}

/**
 * A text field of a submitted form. The console's forms have only text inputs and selects, so the
 * value is a string; a missing field (null) or a file input reads as ''.
 */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}
