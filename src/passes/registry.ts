// Every pass by name, and the default pipeline of each target.
import { absmeanQuantizePass } from "./absmeanQuantize.js";
import { constFoldPass } from "./constFold.js";
import { csePass } from "./cse.js";
import { dcePass } from "./dce.js";
import { expandBitlinearPass } from "./expandBitlinear.js";
import { foldScalesPass } from "./foldScales.js";
import { fuseElementwisePass } from "./fuseElementwise.js";
import { integerHeadPass } from "./integerHead.js";
import { lowerTernaryMatmulPass } from "./lowerTernaryMatmul.js";
import { planMemoryPass } from "./memoryPlan.js";
import { mergeSharedProductsPass } from "./mergeSharedProducts.js";
import { packWeightsPass } from "./packWeights.js";
import type { Pass } from "./pass.js";
import { quantizeHeadPass } from "./quantizeHead.js";

const PASSES: readonly Pass[] = [absmeanQuantizePass, expandBitlinearPass, csePass, foldScalesPass, mergeSharedProductsPass, constFoldPass, lowerTernaryMatmulPass, packWeightsPass, fuseElementwisePass, dcePass, planMemoryPass, quantizeHeadPass, integerHeadPass];

export function getPass(name: string): Pass | undefined {
  return PASSES.find((p) => p.name === name);
}

export function allPasses(): readonly Pass[] {
  return PASSES;
}

export function passNames(): string[] {
  return PASSES.map((p) => p.name);
}

/**
 * The interpreter's default pipeline, a plain list of pass names so build scripts can store and edit it. Each
 * compiled target declares its own pipeline (see the target registry).
 */
export const DEFAULT_PIPELINES: Readonly<Record<string, readonly string[]>> = {
  interp: ["absmean-quantize", "expand-bitlinear", "cse", "fold-scales", "merge-shared-products", "const-fold", "lower-ternary-matmul", "pack-weights", "fuse-elementwise", "dce", "plan-memory"],
};
