import { useSyncExternalStore } from 'react';

// One shared 1 s clock for every countdown on screen (not one interval per timer).
let now = Date.now();
const listeners = new Set<() => void>();
let timer: number | null = null;

function subscribe(fn: () => void) {
  listeners.add(fn);
  if (timer === null) {
    timer = window.setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0 && timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  };
}

export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}
