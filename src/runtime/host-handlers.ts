/**
 * Process-wide events a library must leave to its host. The emscripten runtime inside
 * `@tensorflow/tfjs-backend-wasm` adds a listener to each that rethrows, so any later error in the host
 * program ends the process with exit code 7 from inside the backend and the host's own handlers cannot
 * decide any more. Its own clean-up meant to remove them tests `!list.indexOf(l) > -1`, which is never
 * true, so it removes nothing.
 */
const HOST_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

type HostEvent = (typeof HOST_EVENTS)[number];
type Listener = (...args: unknown[]) => void;

function listenersOf(event: HostEvent): Listener[] {
  return (process.listeners as (name: string) => Listener[])(event);
}

/**
 * Runs `load` (loading or initialising a backend) and then removes every listener added to the host
 * events meanwhile, so the host's handlers and Node's default exit codes stay as they were. A host adds
 * its own handlers before or after awaiting the backend, not while it loads.
 */
export async function keepingHostHandlers<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(HOST_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
  try {
    return await load();
  } finally {
    for (const event of HOST_EVENTS) {
      const known = before.get(event) as Set<Listener>;
      for (const listener of listenersOf(event)) {
        if (!known.has(listener)) process.removeListener(event, listener);
      }
    }
  }
}
