// Streaming weights: the chunks import writes are exactly the tensor's bytes, for tensors larger than a chunk.
import { describe, expect, it } from "vitest";
import { tensorToBytes } from "../../../ir/index.js";
import type { LazyWeight } from "../../../src/frontend/bitnetGraph.js";
import { floatLinear } from "../../../src/frontend/weights.js";

describe("floatLinear", () => {
  it("a float master weight larger than one chunk streams each row once", () => {
    const [n, k] = [2100, 2048]; // 4.3M elements: more than the 4M-element chunk
    const values = Float32Array.from({ length: n * k }, (_, i) => ((i * 7919) % 1000) / 997 - 0.5);
    const w = floatLinear(values, [n, k], "test", "f32").weight as LazyWeight;
    const streamed = Buffer.concat([...w.chunks!()]);
    expect(streamed.length).toBe(n * k * 4);
    expect(Buffer.compare(streamed, Buffer.from(tensorToBytes(w.load())))).toBe(0);
  });
});
