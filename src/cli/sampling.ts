// The sampling flags, the same on every command that generates (run, validate, chat) and in every backend.
import { randomInt } from "node:crypto";
import type { Command } from "commander";
import { SAMPLING_DEFAULTS, SAMPLING_FLAGS, samplingProblem, type SamplingOptions } from "../../ir/index.js";
import { UserError } from "../errors.js";

/** The sampling flags as commander gives them: text, by option key. */
export type SamplingFlags = { [K in keyof SamplingOptions]?: string };

/** What each sampling flag does, for --help (`temperature` is the command's own default). */
function samplingHelp(temperature: number, seedHelp: string): Record<keyof SamplingOptions, string> {
  const d = SAMPLING_DEFAULTS;
  return {
    temperature: `sampling temperature; 0 decodes greedily (default ${temperature})`,
    topK: `sample from the k most likely tokens; 0: all (default ${d.topK})`,
    topP: `sample from the most likely tokens whose probabilities add up to p; 1: all (default ${d.topP})`,
    minP: `drop tokens less likely than p times the most likely; 0: none (default ${d.minP})`,
    repeatPenalty: `penalise the latest --repeat-last-n tokens; 1: off (default ${d.repeatPenalty})`,
    repeatLastN: `tokens the repetition penalty looks at (default ${d.repeatLastN})`,
    seed: seedHelp,
  };
}

/** Adds the sampler's flags (SAMPLING_FLAGS); `temperature` is the command's default (0: greedy). `seedHelp` describes --seed. */
export function addSamplingOptions(cmd: Command, temperature: number, seedHelp = "the sampler's seed, 0 to 4294967295 (default: a random one, printed)"): Command {
  const help = samplingHelp(temperature, seedHelp);
  for (const key of Object.keys(SAMPLING_FLAGS) as Array<keyof SamplingOptions>) cmd.option(`${SAMPLING_FLAGS[key]} <${key === "seed" ? "n" : "value"}>`, help[key]);
  return cmd;
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
  const o: SamplingOptions = { ...SAMPLING_DEFAULTS, temperature };
  for (const key of Object.keys(SAMPLING_FLAGS) as Array<keyof SamplingOptions>) o[key] = number(f[key], SAMPLING_FLAGS[key]) ?? o[key];
  if (f.seed === undefined) o.seed = seed ?? randomInt(0, 2 ** 32);
  const problem = samplingProblem(o);
  if (problem) throw new UserError(`--${problem}`);
  return o.temperature === 0 && o.repeatPenalty === 1 ? undefined : o;
}
