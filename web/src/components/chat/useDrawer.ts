// The conversation list as a drawer on phones: opening it moves the focus into it, and what it
// covers takes no focus (inert) until it closes; Escape closes it, and the focus goes back to its
// button.
import { useEffect, useState } from 'react';

export function useDrawer() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    const covered = document.querySelector<HTMLElement>('.chat-main');
    covered?.setAttribute('inert', '');
    document.querySelector<HTMLElement>('#chat-sidebar [data-testid="chat-new"]')?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      covered?.removeAttribute('inert');
      if (document.getElementById('chat-sidebar')?.contains(document.activeElement) || document.activeElement === document.body)
        document.querySelector<HTMLElement>('[data-testid="chat-drawer-toggle"]')?.focus();
    };
  }, [open]);
  return [open, setOpen] as const;
}
