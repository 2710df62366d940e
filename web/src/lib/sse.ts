// A server-sent events parser for fetch bodies (EventSource can't POST). It follows the
// WHATWG event-stream rules: lines end in \r\n, \n or \r (a \r\n split across two chunks is
// one line end), ':' lines are comments, data lines join with \n, one optional space after the
// colon is dropped, and an event is dispatched on a blank line. An unfinished event at the end
// of the stream is discarded, as the standard says.

export interface SseEvent {
  /** The `event:` field, "message" when absent. */
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';
  private started = false;
  private eventType = '';
  private data: string[] = [];
  private hasData = false;
  private lastId: string | undefined;

  /** Feeds decoded text; returns the events completed by it. */
  feed(text: string): SseEvent[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer += text;
    const out: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 13) {
        // A lone \r at the end of the buffer may be the first half of \r\n: wait for more.
        if (i + 1 >= this.buffer.length) break;
        this.line(this.buffer.slice(start, i), out);
        if (this.buffer.charCodeAt(i + 1) === 10) i++;
      } else {
        this.line(this.buffer.slice(start, i), out);
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** The stream ended: a pending "\r" still ends its line; an unterminated event is dropped. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.buffer.endsWith('\r')) this.line(this.buffer.slice(0, -1), out);
    this.buffer = '';
    this.reset();
    return out;
  }

  private reset() {
    this.eventType = '';
    this.data = [];
    this.hasData = false;
  }

  private line(line: string, out: SseEvent[]) {
    if (line === '') {
      if (this.hasData) {
        const ev: SseEvent = { event: this.eventType || 'message', data: this.data.join('\n') };
        if (this.lastId !== undefined) ev.id = this.lastId;
        out.push(ev);
      }
      this.reset();
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return; // comment (heartbeat)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        break; // retry and unknown fields don't matter here
    }
  }
}
