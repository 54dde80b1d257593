/**
 * The two LZX steps that only touch decoded bytes: copying a match within the sliding window,
 * and undoing the E8 (x86 CALL) preprocessing on a finished frame ([MS-PATCH] 2.4 / 3.1.6).
 */

/**
 * Copies `length` bytes from `offset` bytes back to `wpos` (the destination never crosses the
 * window end; the source may wrap). Returns the new write position.
 */
export function copyMatch(win: Uint8Array, wpos: number, offset: number, length: number, windowSize: number): number {
  let src = wpos - offset;
  if (src < 0) src += windowSize;
  if (src + length > windowSize) {
    // Source wraps around the window end (only after the window has filled once).
    for (let i = 0; i < length; i++) {
      win[wpos++] = win[src++]!;
      if (src === windowSize) src = 0;
    }
    return wpos;
  }
  if (length < 32) {
    for (let i = 0; i < length; i++) win[wpos++] = win[src++]!;
    return wpos;
  }
  // Long copies: copyWithin in steps no longer than the distance, so overlapping matches
  // (which repeat a pattern) still read bytes written by the previous step.
  const end = wpos + length;
  const distance = wpos - src;
  if (distance > 0) {
    let step = distance;
    let at = wpos;
    while (at < end) {
      const n = Math.min(step, end - at);
      win.copyWithin(at, src, src + n);
      at += n;
      step += n;
    }
    return end;
  }
  win.copyWithin(wpos, src, src + length);
  return end;
}

/**
 * Undoes the encoder's E8 preprocessing in place: every 0xE8 byte (a CALL opcode) more than 10
 * bytes before the frame end is followed by a 32-bit absolute target, turned back into the
 * relative displacement when it lies within [-position, translationSize).
 */
export function translateE8(frame: Uint8Array, frameOffset: number, translationSize: number): void {
  const limit = frame.length - 10;
  let i = frame.indexOf(0xe8);
  while (i >= 0 && i < limit) {
    const abs = frame[i + 1]! | (frame[i + 2]! << 8) | (frame[i + 3]! << 16) | (frame[i + 4]! << 24);
    const position = frameOffset + i;
    if (abs >= -position && abs < translationSize) {
      const rel = abs >= 0 ? abs - position : abs + translationSize;
      frame[i + 1] = rel & 0xff;
      frame[i + 2] = (rel >>> 8) & 0xff;
      frame[i + 3] = (rel >>> 16) & 0xff;
      frame[i + 4] = (rel >>> 24) & 0xff;
    }
    i = frame.indexOf(0xe8, i + 5);
  }
}
