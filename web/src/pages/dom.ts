// What both pages share: query parameters with defaults, and elements looked up by id.

/** The page's query parameter `name`, or `fallback`. */
export function param(name: string, fallback: string): string {
  return new URLSearchParams(location.search).get(name) ?? fallback;
}

/** A numeric query parameter; a value that is not a finite number is reported on the page, not ignored. */
export function numberParam(name: string, fallback: number): number {
  const raw = param(name, String(fallback));
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`query parameter ${name} must be a number, got '${raw}'`);
  return value;
}

export function byId<E extends HTMLElement = HTMLElement>(id: string): E {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as E;
}

/** Shows what the page is doing; `data-state` (running, done, error) is what tests wait for. */
export function setState(state: 'idle' | 'running' | 'done' | 'error', text: string): void {
  document.body.dataset.state = state;
  byId('status').textContent = text;
}

/** Reports an error on the page (never only in the console): message, and the state 'error'. */
export function showError(e: unknown): void {
  setState('error', `error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
}
