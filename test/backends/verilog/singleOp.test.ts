// The single-op suite (test/helpers/singleOpSuite.ts) for the verilog target.
import { singleOpSuite } from "../../helpers/singleOpSuite.js";

singleOpSuite("verilog");
