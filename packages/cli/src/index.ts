export { createProgram } from './program.js';
export type { ProgramOutput } from './program.js';
export { runCli } from './runCli.js';
export { registerInspect, inspectJson } from './commands/inspect.js';
export type { InspectJson } from './commands/inspect.js';
export { registerExtract } from './commands/extract.js';
export type { ExtractManifest } from './commands/extract.js';
export { registerBuild } from './commands/build.js';
export type { BuildJson } from './commands/build.js';
