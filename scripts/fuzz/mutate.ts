// Seeded mutations of model files for the fuzzer: byte flips and overwrites, little-endian integers set to values
// that break size arithmetic (0, -1, 2^31, 2^32, 2^53...), truncation, duplicated and deleted spans; for text (.tir,
// JSON), edits of numbers, punctuation and whole lines. Each mutation is a pure function of the seed.
import { Rng } from "../../src/util/random.js";

const INTERESTING = [0, 1, 2, 7, 8, 255, 256, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 53 - 1, 2 ** 63] as const;

function setLe(out: Uint8Array, at: number, bytes: number, value: number | bigint): void {
  let v = BigInt.asUintN(64, BigInt(value));
  for (let i = 0; i < bytes && at + i < out.length; i++) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** A mutated copy of binary data: 1 to 4 mutations, most of them near the start (the header is where sizes live). */
export function mutateBytes(data: Uint8Array, rng: Rng): Uint8Array {
  let out = Uint8Array.from(data);
  const where = (): number => (rng.next() < 0.7 ? rng.int(0, Math.min(out.length - 1, 4096)) : rng.int(0, out.length - 1));
  for (let m = rng.int(1, 4); m > 0 && out.length > 0; m--) {
    switch (rng.int(0, 6)) {
      case 0:
        out[where()] ^= 1 << rng.int(0, 7);
        break;
      case 1:
        out[where()] = rng.int(0, 255);
        break;
      case 2:
        setLe(out, where(), rng.pick([4, 8]), rng.pick(INTERESTING));
        break;
      case 3:
        setLe(out, where(), rng.pick([4, 8]), -BigInt(rng.int(1, 3)));
        break;
      case 4:
        out = out.subarray(0, rng.int(0, out.length - 1)).slice();
        break;
      case 5: {
        const at = where();
        const len = rng.int(1, 64);
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at, at + len), ...out.subarray(at)]);
        break;
      }
      default: {
        const at = where();
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + rng.int(1, 64))]);
      }
    }
  }
  return out;
}

const NUMBERS = ["0", "-1", "1e9", "4294967296", "9007199254740993", "1e400", "NaN", "-0", "2.5", "300000000"];
const TOKENS = ["{", "}", "[", "]", "<", ">", ",", ":", '"', "%", "=", "(", ")", "\\", "..", "/", "__proto__", "constructor"];

/** A mutated copy of text (.tir, JSON): numbers, punctuation, lines. */
export function mutateText(text: string, rng: Rng): string {
  let out = text;
  for (let m = rng.int(1, 3); m > 0; m--) {
    const numbers = [...out.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)];
    const lines = out.split("\n");
    switch (rng.int(0, 4)) {
      case 0:
        if (numbers.length) {
          const n = rng.pick(numbers);
          out = out.slice(0, n.index) + rng.pick(NUMBERS) + out.slice(n.index! + n[0].length);
        }
        break;
      case 1: {
        const at = rng.int(0, out.length);
        out = out.slice(0, at) + rng.pick(TOKENS) + out.slice(at);
        break;
      }
      case 2: {
        const at = rng.int(0, Math.max(0, out.length - 1));
        out = out.slice(0, at) + out.slice(at + rng.int(1, 8));
        break;
      }
      case 3:
        lines.splice(rng.int(0, lines.length), 0, lines[rng.int(0, lines.length - 1)]!);
        out = lines.join("\n");
        break;
      default:
        lines.splice(rng.int(0, lines.length - 1), 1);
        out = lines.join("\n");
    }
  }
  return out;
}
