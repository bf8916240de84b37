// Scalar numerics of the numeric contract (DESIGN.md §3): f32 rounding, round-half-to-even,
// and the half-precision formats.

/** Rounds to the nearest f32. Every f32 operation of the reference semantics goes through it. */
export const f32 = Math.fround;

/**
 * Round half to even, as torch.round, C rintf in the default mode and WGSL round.
 * (Math.round rounds halves up, which would break bit-exactness on ties.)
 */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const floor = Math.floor(x);
  const diff = x - floor;
  const r = diff < 0.5 ? floor : diff > 0.5 ? floor + 1 : floor % 2 === 0 ? floor : floor + 1;
  // rintf keeps the sign of a negative input that rounds to zero.
  return r === 0 && x < 0 ? -0 : r;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);

/** Raw IEEE bits of an f32 value. */
export function f32Bits(x: number): number {
  f32Buf[0] = x;
  return u32Buf[0]!;
}

export function f32FromBits(bits: number): number {
  u32Buf[0] = bits >>> 0;
  return f32Buf[0]!;
}

/** f32 -> bf16 bits, round to nearest even (NaN stays a quiet NaN). */
export function f32ToBf16Bits(x: number): number {
  const bits = f32Bits(x);
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

export function bf16BitsToF32(h: number): number {
  return f32FromBits((h & 0xffff) << 16);
}

/** f32 (or any number, rounded once) -> IEEE half bits, round to nearest even. */
export function f32ToF16Bits(value: number): number {
  const x = Math.fround(value);
  const bits = f32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && (m & 1))) m += 1;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m += 1;
    if (m === 0x400) {
      m = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The shortest decimal text that reads back to the same value under `roundTrip`
 * (f32, f16 or bf16 rounding), so printed IR stays readable and exact.
 */
export function shortestFloatText(x: number, roundTrip: (v: number) => number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0.0";
  for (let p = 1; p <= 17; p++) {
    const s = x.toPrecision(p);
    if (roundTrip(Number(s)) === x) return withFloatMarker(normalizeExponent(s));
  }
  return withFloatMarker(String(x));
}

function normalizeExponent(s: string): string {
  // toPrecision may give "1.0e+21" style; drop the redundant '+' and trailing zeros of the mantissa.
  const [mant, exp] = s.split("e");
  let m = mant!;
  if (m.includes(".")) m = m.replace(/0+$/, "").replace(/\.$/, ".0");
  if (exp === undefined) return m;
  return `${m}e${exp.startsWith("+") ? exp.slice(1) : exp}`;
}

/** Floats always print with a '.' or an exponent so the parser can tell them from integers. */
function withFloatMarker(s: string): string {
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Rounds to the nearest f16 value (as a number). */
export function roundToF16(x: number): number {
  return f16BitsToF32(f32ToF16Bits(x));
}

/** Rounds to the nearest bf16 value (as a number). */
export function roundToBf16(x: number): number {
  return bf16BitsToF32(f32ToBf16Bits(x));
}

/**
 * e^x in f32, computed from f32 +, -, *, floor and an exponent built from bits, each step rounded to f32, so every
 * runtime that rounds those operations as IEEE-754 does gets the same bits (a GPU's exp builtin is only accurate to
 * a few ulp, and libm's differ). x = k ln2 + r with ln2 split in two (k * ln2Hi is exact), e^r by its Taylor series
 * to r^7 in Horner form (within 1 ulp of the rounded e^x), times 2^k. 0 below e^min (no subnormals: a GPU may flush
 * them), +infinity above e^max, NaN for NaN. The C runtime and the WGSL shaders are generated from these constants.
 */
export const EXP_F32 = {
  log2e: f32(1.4426950408889634),
  ln2Hi: f32(0.693145751953125),
  ln2Lo: f32(1.428606765330187e-6),
  /** f32(1 / i!) for i = 0..7. */
  coefficients: [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040].map(f32),
  min: -87,
  max: 88,
} as const;

/** e^x as every ternc runtime computes it (EXP_F32). */
export function expF32(x: number): number {
  if (x !== x) return x;
  const { log2e, ln2Hi, ln2Lo, coefficients: c, min, max } = EXP_F32;
  if (!(x >= min)) return 0;
  if (x > max) return Infinity;
  const k = Math.floor(f32(f32(x * log2e) + 0.5));
  const r = f32(f32(x - f32(k * ln2Hi)) - f32(k * ln2Lo));
  let p = c[c.length - 1]!;
  for (let i = c.length - 2; i >= 0; i--) p = f32(f32(p * r) + c[i]!);
  return f32(p * f32FromBits((k + 127) << 23));
}
