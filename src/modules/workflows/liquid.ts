// The merge-field engine moved to src/core/liquid.ts so canned replies share it without importing workflows.
export * from "../../core/liquid.js";
