import { useCallback, useEffect, useState } from 'react';

/**
 * Runs `load` on mount and whenever it changes (wrap it in useCallback), keeping the last result
 * and the last failure. A late answer from an earlier `load` is dropped, so quickly changed
 * filters can't show stale rows.
 */
export function useLoader<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let current = true;
    load().then(
      (d) => {
        if (!current) return;
        setData(d);
        setError(null);
      },
      (e: unknown) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [load, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, setData, error, setError, reload };
}
