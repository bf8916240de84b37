// .npy encoding and decoding against bytes numpy writes.
import { describe, expect, it } from "vitest";
import { tensorFromValues } from "../../../ir/index.js";
import { encodeNpy, parseNpy } from "../../../src/io/npy.js";

/** np.save of np.array([[1, 2]], dtype=np.int64), byte for byte (format 1.0, 128-byte header). */
function numpyInt64(): Uint8Array {
  const header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }";
  const padded = header + " ".repeat(128 - 10 - header.length - 1) + "\n";
  const out = new Uint8Array(128 + 16);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
  out.set(Buffer.from(padded, "latin1"), 10);
  const v = new DataView(out.buffer);
  v.setBigInt64(128, 1n, true);
  v.setBigInt64(136, 2n, true);
  return out;
}

describe("npy", () => {
  it("reads numpy's int64 layout", () => {
    expect(parseNpy(numpyInt64(), "a.npy")).toEqual({ descr: "<i8", shape: [1, 2], values: Float64Array.of(1, 2) });
  });
  it("writes a 64-byte aligned header and reads back every element type", () => {
    for (const [dtype, descr] of [["f32", "<f4"], ["i32", "<i4"], ["i8", "|i1"], ["f16", "<f4"]] as const) {
      const bytes = encodeNpy(tensorFromValues(dtype, [3], [1, -2, 3]));
      const headerLen = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLen) % 64).toBe(0);
      expect(parseNpy(bytes, "x")).toEqual({ descr, shape: [3], values: Float64Array.of(1, -2, 3) });
    }
    expect(parseNpy(encodeNpy(tensorFromValues("f32", [], [7])), "s")).toMatchObject({ shape: [] });
  });
  it("rejects bad files with a reason", () => {
    expect(() => parseNpy(new Uint8Array(20), "z.npy")).toThrow("z.npy: not a .npy file (bad magic)");
    expect(() => parseNpy(numpyInt64().subarray(0, 140), "t.npy")).toThrow("t.npy: truncated .npy data (2 elements of <i8 expected)");
    const fortran = numpyInt64();
    fortran.set(Buffer.from("True, "), 10 + "{'descr': '<i8', 'fortran_order': ".length);
    expect(() => parseNpy(fortran, "f.npy")).toThrow("Fortran-order");
  });
});
