import { useCallback, useEffect, useRef, useState } from 'react';
import type { Id } from './api';

/**
 * A list read newest first in pages through `before=<id>` (transactions, usage). A new
 * `fetchPage` (wrap it in useCallback; it changes with the filters) starts again from the top;
 * answers to an earlier fetchPage are dropped.
 */
export function usePaged<T extends { id: Id }>(fetchPage: (before: Id | null) => Promise<T[]>, pageSize: number) {
  const [rows, setRows] = useState<T[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [more, setMore] = useState(false);
  const generation = useRef(0);

  const fetchInto = useCallback(
    async (before: Id | null) => {
      const gen = generation.current;
      setLoading(true);
      try {
        const page = await fetchPage(before);
        if (gen !== generation.current) return;
        setRows((prev) => (before === null ? page : [...(prev ?? []), ...page]));
        // A full page may have more behind it; a short one is the end.
        setMore(page.length >= pageSize);
        setError(null);
      } catch (e) {
        if (gen === generation.current) setError(e);
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [fetchPage, pageSize],
  );

  const reload = useCallback(() => {
    generation.current += 1;
    void fetchInto(null);
  }, [fetchInto]);

  useEffect(reload, [reload]);

  const loadMore = () => {
    const last = rows?.[rows.length - 1];
    if (last && !loading) void fetchInto(last.id);
  };

  return { rows, error, loading, more, loadMore, reload };
}
