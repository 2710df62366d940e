import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  open: boolean;
  /** The id of the element that names the dialog. */
  labelledBy: string;
  testId?: string;
  /** Room for a page-like body (a wallet, a table) rather than a question. */
  wide?: boolean;
  /** Esc (or the browser's own cancel) asks to close; the caller decides. */
  onCancel: () => void;
  /**
   * Where the focus goes on closing when the element that had it before is gone (the delete
   * button of what was deleted): otherwise the keyboard starts again from the top of the page.
   */
  fallbackFocus?: () => HTMLElement | null;
  children: ReactNode;
}

/** A modal built on <dialog>: focus trapping, Esc and the backdrop come from the browser. */
export function Modal({ open, labelledBy, testId, wide, onCancel, fallbackFocus, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const fallback = useRef(fallbackFocus);
  fallback.current = fallbackFocus;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) {
      d.close(); // the browser gives the focus back to where it was, if that is still there
      const at = document.activeElement;
      if (!at || at === document.body || d.contains(at)) fallback.current?.()?.focus();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog wide' : 'dialog'}
      aria-labelledby={labelledBy}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      {children}
    </dialog>
  );
}
