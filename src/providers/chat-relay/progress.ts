/**
 * A percentage anywhere in a relay's text (`Progress 47%`, `进度 47%`, `🏃 47%`, `47.5 %`), or a code
 * fence marker: relays echo the prompt in a fence, and a "50% off" there is not progress.
 */
const TOKEN = /```|(\d{1,3}(?:\.\d+)?)\s*[%％]/g;
/** Text kept back after the last token, in case a number or a fence was split across two deltas. */
const CARRY = 16;

/**
 * Turns a relay's streamed text into progress. Deltas can split a line anywhere ("Progress 4" then
 * "7%"), so the tail of each delta is carried over to the next; each percentage is read once.
 */
export class ProgressScanner {
  private pending = '';
  private inFence = false;
  /** Highest percentage seen so far, 0–100. */
  highest = 0;

  /** Feeds one delta; returns the new highest percentage when it rose. */
  push(text: string): number | undefined {
    this.pending += text;
    let rose: number | undefined;
    let end = 0;
    for (const match of this.pending.matchAll(TOKEN)) {
      end = match.index + match[0].length;
      if (match[0] === '```') {
        this.inFence = !this.inFence;
        continue;
      }
      const value = Number(match[1]);
      if (!this.inFence && value <= 100 && value > this.highest) {
        this.highest = value;
        rose = value;
      }
    }
    this.pending = this.pending.slice(Math.max(end, this.pending.length - CARRY));
    return rose;
  }
}
