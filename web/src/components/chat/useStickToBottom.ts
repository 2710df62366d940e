// Keeps the message list pinned to its bottom while an answer grows, unless the reader scrolled up.
import { useEffect, useRef, type MutableRefObject } from 'react';

/** `stick` says whether the list stays pinned; loading a conversation and sending a message set it again. */
export function useStickToBottom(stick: MutableRefObject<boolean>, messages: unknown) {
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages]);
  const onScroll = () => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };
  return { scroller, onScroll };
}
