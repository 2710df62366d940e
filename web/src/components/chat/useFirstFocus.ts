// On a desktop the message box takes the focus once it can be written in; a touch screen would pop its keyboard over the page unasked.
import { useEffect, useRef, type RefObject } from 'react';
import type { ComposerHandle } from './Composer';

export function useFirstFocus(composer: RefObject<ComposerHandle | null>, canWrite: boolean, touch: boolean) {
  const focusedOnce = useRef(false);
  useEffect(() => {
    if (!canWrite || focusedOnce.current || touch) return;
    focusedOnce.current = true;
    composer.current?.focus();
  }, [canWrite, touch]);
}
