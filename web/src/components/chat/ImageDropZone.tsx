// The chat's main area as a drop target for image files: while files are dragged over it, it says
// that dropping attaches them; dropped, they go to the composer as chosen ones do.
import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import { ImageIcon } from '../Icons';

interface Props {
  className: string;
  /** False while nothing can be attached (no model, a locked app): a drop then does nothing. */
  enabled: boolean;
  /** What the drop target says: that a drop attaches, or why it will not. */
  label: string;
  onFiles: (files: File[]) => void;
  children: ReactNode;
}

/** Only a drag of files is ours: dragged text still drops into the message box. */
const carriesFiles = (e: DragEvent) => [...e.dataTransfer.types].includes('Files');

export function ImageDropZone({ className, enabled, label, onFiles, children }: Props) {
  const [over, setOver] = useState(false);
  // dragenter and dragleave fire for every element crossed inside the area: count them, so the
  // target stays shown until the drag leaves the area itself.
  const depth = useRef(0);

  const onDragEnter = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth.current += 1;
    setOver(enabled);
  };
  // Cancelled even when disabled: a file dropped where the page takes none would make the browser
  // leave the chat to show it.
  const onDragOver = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = enabled ? 'copy' : 'none';
  };
  const onDragLeave = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDrop = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth.current = 0;
    setOver(false);
    const files = [...e.dataTransfer.files];
    if (enabled && files.length > 0) onFiles(files);
  };

  return (
    <section className={className} onDragEnter={onDragEnter} onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={onDrop}>
      {children}
      {over && (
        <div className="chat-drop" data-testid="chat-drop-target" role="status">
          <ImageIcon />
          <p>{label}</p>
        </div>
      )}
    </section>
  );
}
