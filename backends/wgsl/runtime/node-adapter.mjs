// A WebGPU adapter in Node from the `webgpu` package (Dawn, Vulkan backend); where the machine has no GPU driver,
// SwiftShader's Vulkan on the CPU (shipped with Chromium), said so on stderr. Used by run-node.mjs and ternc's
// benchmarks.
import { existsSync, readdirSync } from "node:fs";
import { pathToFileURL } from "node:url";

const SWIFTSHADER = ["/usr/lib/chromium/vk_swiftshader_icd.json", "/usr/lib/chromium-browser/vk_swiftshader_icd.json", "/opt/google/chrome/vk_swiftshader_icd.json"];
const VULKAN_DRIVERS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];

// Dawn's instance lives as long as its GPU object: kept here, since a collected one takes its devices' threads down.
const alive = [];

/**
 * The adapter, its GPU object (for wgslLanguageFeatures) and a name for people. `webgpuModule`: the package's entry
 * file (default: the TERNC_WEBGPU_MODULE environment variable, else the `webgpu` package resolved from here).
 */
export async function nodeAdapter(webgpuModule = process.env.TERNC_WEBGPU_MODULE) {
  let webgpu;
  try {
    webgpu = await import(webgpuModule ? pathToFileURL(webgpuModule).href : "webgpu");
  } catch (e) {
    throw new Error(`the 'webgpu' npm package is not installed (npm install webgpu): ${e.message}`);
  }
  Object.assign(globalThis, webgpu.globals);
  const open = async () => {
    const gpu = webgpu.create(["backend=vulkan"]);
    alive.push(gpu);
    return { gpu, adapter: await gpu.requestAdapter() };
  };
  // Without any Vulkan driver Dawn would only print warnings: go straight to SwiftShader.
  const drivers = VULKAN_DRIVERS.some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith(".json")));
  let found = drivers || process.env.VK_ICD_FILENAMES ? await open() : { gpu: undefined, adapter: null };
  let emulated = false;
  if (!found.adapter && !process.env.VK_ICD_FILENAMES) {
    const icd = SWIFTSHADER.find((f) => existsSync(f));
    if (icd) {
      process.env.VK_ICD_FILENAMES = icd;
      process.env.XDG_RUNTIME_DIR ??= "/tmp";
      found = await open();
      emulated = !!found.adapter;
    }
  }
  if (!found.adapter) throw new Error("no WebGPU adapter: no GPU with a Vulkan driver, and no SwiftShader (install Debian's chromium package)");
  const info = found.adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "unknown adapter";
  if (emulated) process.stderr.write(`ternc: no GPU found; running on SwiftShader, a CPU emulation of one (${process.env.VK_ICD_FILENAMES})\n`);
  return { gpu: found.gpu, adapter: found.adapter, name: emulated ? `${name} (CPU emulation)` : name, emulated };
}
