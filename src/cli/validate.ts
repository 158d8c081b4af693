import type { Command } from 'commander';
import { loadPipelineFile } from '../pipeline/spec.js';
import { checkModelRefs } from './model-refs.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check a pipeline file without running it (params, and that every model: reference resolves); errors point at file:line:column')
    .argument('<pipeline>', 'pipeline YAML file')
    .action(async (file: string) => {
      const specs = await loadPipelineFile(file);
      await checkModelRefs(specs);
      for (const s of specs) {
        const chain = [s.source, ...s.stages, s.sink].map((st) => (st.id === st.type ? st.type : `${st.id}:${st.type}`)).join(' -> ');
        process.stdout.write(`${s.name}: ok (${chain})\n`);
      }
    });
}
