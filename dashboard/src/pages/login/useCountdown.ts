import { useCallback, useEffect, useState } from 'react';

/** Seconds left of a lock-out, ticking once a second; start(n) begins a new one. */
export function useCountdown(): [number, (seconds: number) => void] {
  const [until, setUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until <= Date.now()) return;
    const id = window.setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= until) window.clearInterval(id);
    }, 250);
    return () => window.clearInterval(id);
  }, [until]);
  const start = useCallback((seconds: number) => {
    const t = Date.now();
    setNow(t);
    setUntil(t + Math.max(1, seconds) * 1000);
  }, []);
  return [Math.max(0, Math.ceil((until - now) / 1000)), start];
}
