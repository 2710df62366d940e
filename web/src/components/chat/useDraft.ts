// The composer's text as each chat's own draft: what was being written in a conversation is there
// again when the reader comes back to it, and a message sent takes its draft with it.
import { useCallback, useRef, useState } from 'react';
import { chatDrafts } from '../../lib/chatDrafts';

export function useDraft() {
  const [text, setShown] = useState('');
  // The chat written for, and the text now: a refusal arriving after later renders reads them.
  const key = useRef<string | null>(null);
  const latest = useRef('');

  const setText = useCallback((value: string) => {
    latest.current = value;
    setShown(value);
    if (key.current !== null) chatDrafts.write(key.current, value);
  }, []);

  /** Writes for another chat: its draft comes back; the chat left keeps its own. */
  const open = useCallback((next: string) => {
    key.current = next;
    latest.current = chatDrafts.read(next);
    setShown(latest.current);
  }, []);

  /** The chat in view has a new key (a new chat got its id): the text in the box is now its draft. */
  const adopt = useCallback((next: string) => {
    const previous = key.current;
    if (previous === next) return;
    if (previous !== null) chatDrafts.write(previous, '');
    key.current = next;
    chatDrafts.write(next, latest.current);
  }, []);

  return { text, latest, setText, open, adopt };
}
