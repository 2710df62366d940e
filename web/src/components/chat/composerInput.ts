// How the message boxes read the keyboard and the pointer: pure rules, so they can be tested
// without a browser.

/**
 * A touch screen (a phone, a tablet): its keyboard has no Shift+Enter, so Enter must be able to
 * start a new line there, and focusing a box unasked would pop the keyboard over the page.
 */
export function isTouchScreen(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia('(pointer: coarse)').matches;
}

interface EnterKey {
  key: string;
  shiftKey: boolean;
  /** An input method (Chinese, Japanese…) is composing: its Enter picks a candidate. */
  isComposing: boolean;
  keyCode: number;
}

/**
 * Whether a key sends the message: Enter without Shift, unless an input method is composing (229
 * is what browsers report for a key the input method took), and never on a touch screen, where
 * Enter is the only way to a new line and the send button is at hand.
 */
export function enterSends(e: EnterKey, touch: boolean): boolean {
  return !touch && e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229;
}

/**
 * How long after the Stop button takes the Send button's place a tap on it is taken for the end
 * of a double tap on Send (double-click times are usually 400–500 ms).
 */
export const stopGraceMs = 400;

/**
 * Whether a click on Stop is the second click of a double click on Send, which would stop the
 * answer just asked for. A mouse's click count (`detail`) says so; a touch screen may count each
 * tap as one, so there a tap just after the button appeared is taken for one too. A key pressed
 * (`detail` 0) is always meant.
 */
export function isStrayStopClick(detail: number, sinceShown: number, touch: boolean): boolean {
  return detail > 1 || (touch && detail > 0 && sinceShown < stopGraceMs);
}
