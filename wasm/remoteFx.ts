// The RemoteFX tile decoder (MS-RDPRFX 3.1.8.1), AssemblyScript compiled to
// WebAssembly with SIMD (scripts/tileDecoder.mjs). One 64x64 tile at a time:
// for Y, Cb and Cr, RLGR1 or RLGR3 entropy decoding (3.1.8.1.7.3) into 4096
// coefficients laid out by sub-band (HL1 LH1 HH1 at 1024 each, HL2 LH2 HH2
// at 256, HL3 LH3 HH3 LL3 at 64), the LL3 band's differences summed,
// dequantisation (a shift left by the band's value less one), the
// three-level inverse LeGall 5/3 wavelet by lifting (3.1.8.1.4); then YCbCr
// (11.5 fixed point) to RGBA (3.1.8.1.3). The caller (the page's worker,
// renderer/protocols/rdp/remoteFxDecoder.ts) copies a message into memory at
// FREE or later, writes a tile's quantisation values at QUANT and calls
// decodeTile. Nothing is allocated; every read stays within the lengths it
// is given.
//
// Sample arithmetic is 16-bit, as the coefficients are stored; the halving
// sums of the lifting steps are computed without 16-bit overflow (the
// averaging instruction on offset values), so the result is exactly that of
// 32-bit arithmetic stored to 16 bits.

const KP_MAX: i32 = 80;
const LS_GR: i32 = 3;
const UP_GR: i32 = 4;
const DN_GR: i32 = 6;
const UQ_GR: i32 = 3;
const DQ_GR: i32 = 3;

/** Memory layout (bytes): Y, Cb, Cr coefficient planes (4096 × i16 each), scratch, quantisation values. */
export const PLANE0: usize = 1024;
const PLANE_BYTES: usize = 8192;
const TEMP: usize = PLANE0 + 3 * PLANE_BYTES;
/** One row of even samples of the horizontal lifting, one spare sample after it. */
const EVENS: usize = TEMP + 8192;
/** Ten 4-bit values (one a byte) for each of Y, Cb, Cr, in TS_RFX_CODEC_QUANT order: LL3 LH3 HL3 HH3 LH2 HL2 HH2 LH1 HL1 HH1. */
export const QUANT: usize = EVENS + 256;
/** Where the caller's input and output may begin. */
export const FREE: usize = 65536;

/** The top `n` (0 to 24) bits of `acc` as a number: 0 for none (WebAssembly takes a 64-bit shift count modulo 64, so `acc >>> 64` is `acc`). */
@inline function topBits(acc: u64, n: i32): i32 {
  return select<i32>(<i32>(acc >>> (64 - <u64>n)), 0, n > 0);
}

/** A value whose sign is in its lowest bit (2m → m, 2m + 1 → −(m + 1)). */
@inline function unfold(v: i32): i32 {
  return (v >> 1) ^ -(v & 1);
}

/**
 * One component's RLGR-coded bytes [data, end) into 4096 coefficients at out
 * (what the data does not reach stays 0). The bit reader keeps `nbits`
 * unread bits, most significant first, at the top of a 64-bit accumulator,
 * refilled 32 bits at a time. Its refills are written out where they are
 * needed: AssemblyScript has no closures, and a function cannot change the
 * caller's locals, which is where the reader's state must stay to be fast.
 * What the data decides at every coefficient is computed without branches,
 * which it would mispredict often: the adaptive parameters' updates and the
 * sign unfolding as selects and arithmetic, reads of 0 to 24 bits as shifts
 * (topBits, unfold). A 0 in RLGR1 is stored like any value: the
 * plane is all 0 already. Measured: RLGR 25–30 % faster, the same output
 * (docs/performance-history.md).
 */
function rlgr(mode: i32, data: usize, end: usize, out: usize): void {
  memory.fill(out, 0, 8192);
  let pos = data;
  let acc: u64 = 0;
  let nbits: i32 = 0;
  let k: i32 = 1;
  let kp: i32 = k << LS_GR;
  let kr: i32 = 1;
  let krp: i32 = kr << LS_GR;
  let i: i32 = 0;
  while (i < 4096) {
    // Refill: at least 33 bits when the data has them (no fixed-width read below needs more than 24).
    if (nbits <= 32) {
      if (pos + 4 <= end) {
        acc |= (<u64>bswap<u32>(load<u32>(pos))) << (32 - <u64>nbits);
        pos += 4;
        nbits += 32;
      } else {
        while (pos < end && nbits <= 56) {
          acc |= (<u64>load<u8>(pos)) << (56 - <u64>nbits);
          pos++;
          nbits += 8;
        }
      }
    }
    const runMode = k != 0;
    let run: i32 = 0;
    let negative = false;
    if (runMode) {
      // Run-length mode: each 0 bit a run of 1 << k zeros (k growing), a 1 bit ends them.
      while (true) {
        if (nbits == 0) return;
        let lead = <i32>clz(acc);
        if (lead > nbits) lead = nbits;
        for (let z = 0; z < lead; z++) {
          run += 1 << k;
          kp = kp + UP_GR > KP_MAX ? KP_MAX : kp + UP_GR;
          k = kp >> LS_GR;
        }
        acc = lead == 64 ? 0 : acc << <u64>lead;
        nbits -= lead;
        if (nbits > 0) {
          acc <<= 1;
          nbits -= 1;
          break;
        }
        while (pos < end && nbits <= 56) {
          acc |= (<u64>load<u8>(pos)) << (56 - <u64>nbits);
          pos++;
          nbits += 8;
        }
      }
      if (nbits <= 32) {
        while (pos < end && nbits <= 56) {
          acc |= (<u64>load<u8>(pos)) << (56 - <u64>nbits);
          pos++;
          nbits += 8;
        }
      }
      // Then k bits more of the run and the sign; the magnitude less one follows as a Golomb-Rice code.
      if (nbits < k + 1) return;
      run += topBits(acc, k);
      acc <<= <u64>k;
      nbits -= k;
      negative = (acc >>> 63) != 0;
      acc <<= 1;
      nbits -= 1;
    }
    // A Golomb-Rice code with parameter kr: a unary count of 1 bits, a 0, then kr bits; kr adapts.
    let count: i32 = 0;
    while (true) {
      if (nbits == 0) return;
      let lead = <i32>clz(~acc);
      if (lead > nbits) lead = nbits;
      count += lead;
      acc = lead == 64 ? 0 : acc << <u64>lead;
      nbits -= lead;
      if (nbits > 0) {
        acc <<= 1;
        nbits -= 1;
        break;
      }
      while (pos < end && nbits <= 56) {
        acc |= (<u64>load<u8>(pos)) << (56 - <u64>nbits);
        pos++;
        nbits += 8;
      }
    }
    if (nbits <= 32) {
      while (pos < end && nbits <= 56) {
        acc |= (<u64>load<u8>(pos)) << (56 - <u64>nbits);
        pos++;
        nbits += 8;
      }
    }
    if (nbits < kr) return;
    const value: i32 = (count << kr) + topBits(acc, kr);
    acc <<= <u64>kr;
    nbits -= kr;
    krp = select<i32>(max<i32>(krp - 2, 0), select<i32>(min<i32>(krp + count, KP_MAX), krp, count > 1), count == 0);
    kr = krp >> LS_GR;
    if (runMode) {
      kp = kp > DN_GR ? kp - DN_GR : 0;
      k = kp >> LS_GR;
      i += run;
      if (i >= 4096) return;
      store<i16>(out + (<usize>i << 1), <i16>select<i32>(-(value + 1), value + 1, negative));
      i++;
    } else if (mode == 1) {
      // RLGR1: one value, its sign in its lowest bit.
      kp = select<i32>(min<i32>(kp + UQ_GR, KP_MAX), max<i32>(kp - DQ_GR, 0), value == 0);
      store<i16>(out + (<usize>i << 1), <i16>unfold(value));
      i++;
      k = kp >> LS_GR;
    } else {
      // RLGR3: two values coded as their sum; the first in as many bits as the sum needs.
      const bits: i32 = 32 - <i32>clz(value);
      if (bits > 24) return;
      if (nbits <= 32) {
        while (pos < end && nbits <= 56) {
          acc |= (<u64>load<u8>(pos)) << (56 - <u64>nbits);
          pos++;
          nbits += 8;
        }
      }
      if (nbits < bits) return;
      const v1: i32 = topBits(acc, bits);
      acc <<= <u64>bits;
      nbits -= bits;
      const v2 = value - v1;
      kp = select<i32>(max<i32>(kp - 2 * DQ_GR, 0), select<i32>(min<i32>(kp + 2 * UQ_GR, KP_MAX), kp, v1 == 0 && v2 == 0), v1 != 0 && v2 != 0);
      k = kp >> LS_GR;
      store<i16>(out + (<usize>i << 1), <i16>unfold(v1));
      i++;
      if (i < 4096) {
        store<i16>(out + (<usize>i << 1), <i16>unfold(v2));
        i++;
      }
    }
  }
}

/** Shifts a band of `length` coefficients at sample `start` left by its quantisation value less one. */
@inline function shiftBand(p: usize, start: i32, length: i32, q: i32): void {
  const shift = q - 1;
  if (shift <= 0) return;
  const e = p + (<usize>(start + length) << 1);
  for (let a = p + (<usize>start << 1); a < e; a += 16) v128.store(a, i16x8.shl(v128.load(a), shift));
}

function dequantise(p: usize, q: usize): void {
  shiftBand(p, 0, 1024, load<u8>(q + 8)); // HL1
  shiftBand(p, 1024, 1024, load<u8>(q + 7)); // LH1
  shiftBand(p, 2048, 1024, load<u8>(q + 9)); // HH1
  shiftBand(p, 3072, 256, load<u8>(q + 5)); // HL2
  shiftBand(p, 3328, 256, load<u8>(q + 4)); // LH2
  shiftBand(p, 3584, 256, load<u8>(q + 6)); // HH2
  shiftBand(p, 3840, 64, load<u8>(q + 2)); // HL3
  shiftBand(p, 3904, 64, load<u8>(q + 1)); // LH3
  shiftBand(p, 3968, 64, load<u8>(q + 3)); // HH3
  shiftBand(p, 4032, 64, load<u8>(q + 0)); // LL3
}

const SIGN = i16x8.splat(-32768);

/** (a + b + 1) >> 1 of 16-bit lanes, as 32-bit arithmetic would give it. */
@inline function halfUp(a: v128, b: v128): v128 {
  return v128.xor(i16x8.avgr_u(v128.xor(a, SIGN), v128.xor(b, SIGN)), SIGN);
}

/** (a + b) >> 1 of 16-bit lanes, as 32-bit arithmetic would give it. */
@inline function half(a: v128, b: v128): v128 {
  return i16x8.sub(halfUp(a, b), v128.and(v128.xor(a, b), i16x8.splat(1)));
}

/**
 * The inverse lifting of rows: w low samples at low and w high at high (16-bit)
 * become 2w samples at dst, even from low, odd from high. Mirrored at both ends:
 * even[n] = low[n] - ((high[n-1] + high[n] + 1) >> 1), high[-1] = high[0];
 * odd[n] = 2 high[n] + ((even[n] + even[n+1]) >> 1), even[w] = even[w-1].
 */
@inline function liftRow(low: usize, high: usize, dst: usize, w: i32): void {
  const bytes = <usize>w << 1;
  for (let n: usize = 0; n < bytes; n += 16) {
    const h = v128.load(high + n);
    const before = n == 0 ? v128.shuffle<i16>(h, h, 0, 0, 1, 2, 3, 4, 5, 6) : v128.load(high + n - 2);
    v128.store(EVENS + n, i16x8.sub(v128.load(low + n), halfUp(before, h)));
  }
  store<i16>(EVENS + bytes, load<i16>(EVENS + bytes - 2));
  for (let n: usize = 0; n < bytes; n += 16) {
    const even = v128.load(EVENS + n);
    const odd = i16x8.add(i16x8.shl(v128.load(high + n), 1), half(even, v128.load(EVENS + n + 2)));
    v128.store(dst + (n << 1), v128.shuffle<i16>(even, odd, 0, 8, 1, 9, 2, 10, 3, 11));
    v128.store(dst + (n << 1) + 16, v128.shuffle<i16>(even, odd, 4, 12, 5, 13, 6, 14, 7, 15));
  }
}

/**
 * One level of the inverse wavelet: the four bands of width w at sample base
 * (HL, LH, HH, LL, each w*w) become a 2w x 2w block at base.
 */
function inverseLevel(buffer: usize, base: i32, w: i32): void {
  const size = <usize>(w * w) << 1;
  const hl = buffer + (<usize>base << 1);
  const lh = hl + size;
  const hh = lh + size;
  const ll = hh + size;
  const rowBytes = <usize>w << 1;
  const width = rowBytes << 1;
  // Horizontal: rows of L (from LL and HL) into TEMP, rows of H (from LH and HH) after them.
  const hRows = TEMP + (size << 1);
  for (let row: usize = 0; row < <usize>w; row++) {
    liftRow(ll + row * rowBytes, hl + row * rowBytes, TEMP + row * width, w);
    liftRow(lh + row * rowBytes, hh + row * rowBytes, hRows + row * width, w);
  }
  // Vertical, eight columns at a time: L rows (low) and H rows (high) into 2w rows at base.
  const out = hl;
  for (let x: usize = 0; x < width; x += 16) {
    const l = v128.load(TEMP + x);
    const h = v128.load(hRows + x);
    v128.store(out + x, i16x8.sub(l, halfUp(h, h)));
  }
  for (let n: usize = 1; n < <usize>w; n++) {
    const even = out + 2 * n * width;
    const odd = even - width;
    const before = odd - width;
    const low = TEMP + n * width;
    const highBefore = hRows + (n - 1) * width;
    for (let x: usize = 0; x < width; x += 16) {
      const hb = v128.load(highBefore + x);
      const e = i16x8.sub(v128.load(low + x), halfUp(hb, v128.load(highBefore + width + x)));
      v128.store(even + x, e);
      v128.store(odd + x, i16x8.add(i16x8.shl(hb, 1), half(v128.load(before + x), e)));
    }
  }
  const last = out + (2 * <usize>w - 1) * width;
  const lastHigh = hRows + (<usize>w - 1) * width;
  for (let x: usize = 0; x < width; x += 16) {
    v128.store(last + x, i16x8.add(i16x8.shl(v128.load(lastHigh + x), 1), v128.load(last - width + x)));
  }
}

function reconstruct(p: usize, q: usize): void {
  // LL3 is coded as differences from its previous value.
  let sum: i32 = load<i16>(p + 4032 * 2);
  for (let a = p + 4033 * 2; a < p + 4096 * 2; a += 2) {
    sum += load<i16>(a);
    store<i16>(a, <i16>sum);
    sum = load<i16>(a);
  }
  dequantise(p, q);
  inverseLevel(p, 3840, 8);
  inverseLevel(p, 3072, 16);
  inverseLevel(p, 0, 32);
}

/**
 * YCbCr (11.5 fixed point, Y less 128) to RGBA bytes, eight pixels at a time, rounded and clamped:
 * R = Y + 1.402525 Cr, G = Y - 0.343730 Cb - 0.714401 Cr, B = Y + 1.769905 Cb (3.1.8.1.3).
 */
function toRgba(out: usize, stride: usize): void {
  const yP = PLANE0;
  const cbP = PLANE0 + PLANE_BYTES;
  const crP = PLANE0 + 2 * PLANE_BYTES;
  // In 16.16 fixed point: a coefficient c times value / 32 is value * (c * 2048).
  const cR = i32x4.splat(<i32>(1.402525 * 2048 + 0.5));
  const cGb = i32x4.splat(<i32>(0.34373 * 2048 + 0.5));
  const cGr = i32x4.splat(<i32>(0.714401 * 2048 + 0.5));
  const cB = i32x4.splat(<i32>(1.769905 * 2048 + 0.5));
  const yOff = i32x4.splat((4096 << 11) + 32768);
  const opaque = i8x16.splat(-1);
  for (let i: usize = 0; i < 8192; i += 16) {
    const y8 = v128.load(yP + i);
    const cb8 = v128.load(cbP + i);
    const cr8 = v128.load(crP + i);
    const yl = i32x4.add(i32x4.shl(i32x4.extend_low_i16x8_s(y8), 11), yOff);
    const yh = i32x4.add(i32x4.shl(i32x4.extend_high_i16x8_s(y8), 11), yOff);
    const bl = i32x4.extend_low_i16x8_s(cb8);
    const bh = i32x4.extend_high_i16x8_s(cb8);
    const rl = i32x4.extend_low_i16x8_s(cr8);
    const rh = i32x4.extend_high_i16x8_s(cr8);
    const R = i16x8.narrow_i32x4_s(i32x4.shr_s(i32x4.add(yl, i32x4.mul(rl, cR)), 16), i32x4.shr_s(i32x4.add(yh, i32x4.mul(rh, cR)), 16));
    const G = i16x8.narrow_i32x4_s(
      i32x4.shr_s(i32x4.sub(yl, i32x4.add(i32x4.mul(bl, cGb), i32x4.mul(rl, cGr))), 16),
      i32x4.shr_s(i32x4.sub(yh, i32x4.add(i32x4.mul(bh, cGb), i32x4.mul(rh, cGr))), 16),
    );
    const B = i16x8.narrow_i32x4_s(i32x4.shr_s(i32x4.add(yl, i32x4.mul(bl, cB)), 16), i32x4.shr_s(i32x4.add(yh, i32x4.mul(bh, cB)), 16));
    // Clamped to 0-255 by the unsigned narrowing (low eight bytes of each), then interleaved R G B A.
    const RG = v128.shuffle<u8>(i8x16.narrow_i16x8_u(R, R), i8x16.narrow_i16x8_u(G, G), 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const BA = v128.shuffle<u8>(i8x16.narrow_i16x8_u(B, B), opaque, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    // i steps through a row's 64 samples (128 bytes) eight at a time.
    const o = out + (i >> 7) * stride + ((i & 127) << 1);
    v128.store(o, v128.shuffle<u8>(RG, BA, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
    v128.store(o + 16, v128.shuffle<u8>(RG, BA, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
  }
}

/**
 * One tile: its Y, Cb, Cr data one after the other at data (l0, l1, l2
 * bytes), quantisation values at QUANT; 64 rows of 64 RGBA pixels to out,
 * each row `stride` bytes after the one before (256 or more: the tile may be
 * one of a row of tiles decoded side by side).
 */
export function decodeTile(mode: i32, data: usize, l0: i32, l1: i32, l2: i32, out: usize, stride: usize): void {
  let d = data;
  rlgr(mode, d, d + <usize>l0, PLANE0);
  reconstruct(PLANE0, QUANT);
  d += <usize>l0;
  rlgr(mode, d, d + <usize>l1, PLANE0 + PLANE_BYTES);
  reconstruct(PLANE0 + PLANE_BYTES, QUANT + 10);
  d += <usize>l1;
  rlgr(mode, d, d + <usize>l2, PLANE0 + 2 * PLANE_BYTES);
  reconstruct(PLANE0 + 2 * PLANE_BYTES, QUANT + 20);
  toRgba(out, stride);
}

/** One RLGR-coded component (for tests): the 4096 coefficients at PLANE0. */
export function rlgrComponent(mode: i32, data: usize, length: i32): void {
  rlgr(mode, data, data + <usize>length, PLANE0);
}

/** One component's coefficients at PLANE0 (for tests): dequantised with the Y values at QUANT and inverse transformed, in place. */
export function reconstructComponent(): void {
  reconstruct(PLANE0, QUANT);
}
