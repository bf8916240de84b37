// The sampling flags, the same on every command that generates (run, validate, chat) and in every backend.
import { randomInt } from "node:crypto";
import type { Command } from "commander";
import { SAMPLING_DEFAULTS, samplingProblem, type SamplingOptions } from "../../ir/index.js";
import { UserError } from "../errors.js";

export interface SamplingFlags {
  temperature?: string;
  topK?: string;
  topP?: string;
  minP?: string;
  repeatPenalty?: string;
  repeatLastN?: string;
  seed?: string;
}

/** Adds the sampler's flags; `temperature` is the command's default (0: greedy). `seedHelp` describes --seed. */
export function addSamplingOptions(cmd: Command, temperature: number, seedHelp = "the sampler's seed, 0 to 4294967295 (default: a random one, printed)"): Command {
  const d = SAMPLING_DEFAULTS;
  return cmd
    .option("--temperature <t>", `sampling temperature; 0 decodes greedily (default ${temperature})`)
    .option("--top-k <k>", `sample from the k most likely tokens; 0: all (default ${d.topK})`)
    .option("--top-p <p>", `sample from the most likely tokens whose probabilities add up to p; 1: all (default ${d.topP})`)
    .option("--min-p <p>", `drop tokens less likely than p times the most likely; 0: none (default ${d.minP})`)
    .option("--repeat-penalty <r>", `penalise the latest --repeat-last-n tokens; 1: off (default ${d.repeatPenalty})`)
    .option("--repeat-last-n <n>", `tokens the repetition penalty looks at (default ${d.repeatLastN})`)
    .option("--seed <n>", seedHelp);
}

function number(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) throw new UserError(`${flag} '${text}': expected a number`);
  return v;
}

/**
 * The sampling options the flags ask for, checked (an error names the flag), or undefined for plain greedy
 * decoding. Without --seed a random seed is drawn (the result carries it, so the run can be repeated).
 */
export function samplingFromFlags(f: SamplingFlags, temperature: number, seed?: number): SamplingOptions | undefined {
  const o: SamplingOptions = {
    temperature: number(f.temperature, "--temperature") ?? temperature,
    topK: number(f.topK, "--top-k") ?? SAMPLING_DEFAULTS.topK,
    topP: number(f.topP, "--top-p") ?? SAMPLING_DEFAULTS.topP,
    minP: number(f.minP, "--min-p") ?? SAMPLING_DEFAULTS.minP,
    repeatPenalty: number(f.repeatPenalty, "--repeat-penalty") ?? SAMPLING_DEFAULTS.repeatPenalty,
    repeatLastN: number(f.repeatLastN, "--repeat-last-n") ?? SAMPLING_DEFAULTS.repeatLastN,
    seed: number(f.seed, "--seed") ?? seed ?? randomInt(0, 2 ** 32),
  };
  const problem = samplingProblem(o);
  if (problem) throw new UserError(`--${problem}`);
  return o.temperature === 0 && o.repeatPenalty === 1 ? undefined : o;
}
