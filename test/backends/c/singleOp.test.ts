// The single-op suite (test/helpers/singleOpSuite.ts) for the c target.
import { singleOpSuite } from "../../helpers/singleOpSuite.js";

singleOpSuite("c");
