/**
 * The MS-CAB CFDATA checksum ([MS-CAB] 2.6 / the "CSUMCompute" routine): XOR of the data taken as
 * little-endian 32-bit words, with an odd tail folded in high byte first. A block's stored `csum`
 * covers its payload first and then the 4 bytes `cbData`,`cbUncomp`. Whether the per-block reserved
 * bytes (`abReserve`) take part is read differently by implementations, so the reader accepts both.
 */

/** XOR-folds `data` into `seed` the way CSUMCompute does; returns an unsigned 32-bit value. */
export function cabChecksum(data: Uint8Array, seed = 0): number {
  let csum = seed | 0;
  const whole = data.length & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    csum ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
  }
  // The tail is folded with its first byte highest: 3 bytes -> b0<<16 | b1<<8 | b2.
  let tail = 0;
  for (; i < data.length; i++) tail = (tail << 8) | data[i]!;
  return (csum ^ tail) >>> 0;
}

/**
 * The value a CFDATA `csum` field holds for this payload and these two size fields (the libmspack
 * reading: reserved bytes excluded). With `reserve`, the [MS-CAB] reading: the checksum runs over
 * `cbData` through the end of the payload, reserved bytes included.
 */
export function dataBlockChecksum(payload: Uint8Array, cbData: number, cbUncomp: number, reserve?: Uint8Array): number {
  // cbData and cbUncomp are adjacent little-endian u16s, i.e. exactly one 32-bit word; it comes
  // first in the block, so folding it in last gives the same result as folding it in first.
  const sizes = cbData | (cbUncomp << 16);
  if (reserve === undefined || reserve.length === 0) return (cabChecksum(payload) ^ sizes) >>> 0;
  const joined = new Uint8Array(reserve.length + payload.length);
  joined.set(reserve, 0);
  joined.set(payload, reserve.length);
  return (cabChecksum(joined) ^ sizes) >>> 0;
}
