// The single-op suite (test/helpers/singleOpSuite.ts) for the wgsl target.
import { singleOpSuite } from "../../helpers/singleOpSuite.js";

singleOpSuite("wgsl");
