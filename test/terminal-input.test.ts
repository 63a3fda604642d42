// The terminal input source over streams, as the CLI uses it with a person or a pipe.
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputClosedError, TerminalInput } from '../src/index.js';

function terminal(): { input: PassThrough; output: PassThrough; printed: () => string; source: TerminalInput } {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { input, output, printed: () => text, source: new TerminalInput({ input, output }) };
}

describe('TerminalInput', () => {
  it('takes lines piped ahead of the prompts, one per prompt, none lost', async () => {
    const { input, source, printed } = terminal();
    input.write('chicken\ny\n');
    expect(await source.ask({ prompt: 'Ingredient?', node: 'A' })).toBe('chicken');
    expect(await source.ask({ prompt: 'OK? (y/n)', node: 'B', choices: ['y', 'n'] })).toBe('y');
    expect(printed()).toBe('Ingredient? OK? (y/n) ');
    source.close();
  });

  it('says why an answer is refused and asks again', async () => {
    const { input, source, printed } = terminal();
    input.write('maybe\nn\n');
    expect(await source.ask({ prompt: 'OK?', node: 'B', choices: ['y', 'n'] })).toBe('n');
    expect(printed()).toBe('OK? Please answer one of: y, n.\nOK? ');
    source.close();
  });

  it('turns a timeout into null and keeps the line typed afterwards for the next prompt', async () => {
    const { input, source } = terminal();
    expect(await source.ask({ prompt: 'Quick?', node: 'A', timeoutSeconds: 0.05 })).toBeNull();
    input.write('late\n');
    expect(await source.ask({ prompt: 'Again?', node: 'A' })).toBe('late');
    source.close();
  });

  it('fails with InputClosedError when the input ends before an answer', async () => {
    const { input, source } = terminal();
    input.end();
    await expect(source.ask({ prompt: 'Name?', node: 'A' })).rejects.toThrow(InputClosedError);
    source.close();
  });

  it('fails with InputClosedError when closed while its first prompt opens, and keeps nothing open', async () => {
    const { input, source } = terminal();
    const asked = source.ask({ prompt: 'Name?', node: 'A' });
    source.close();
    await expect(asked).rejects.toThrow(InputClosedError);
    // No interface holds the input: a line written now is still there for whoever reads next.
    input.write('kept\n');
    expect(String(input.read())).toBe('kept\n');
  });

  it('loads node:readline at its first prompt, not with the package', () => {
    const script = [
      "const { TerminalInput } = await import('./src/index.ts');",
      "const loaded = () => process.moduleLoadList.includes('NativeModule readline');",
      'const before = loaded();',
      "const { PassThrough } = await import('node:stream');",
      'const input = new PassThrough();',
      "input.write('x\\n');",
      'const source = new TerminalInput({ input, output: new PassThrough() });',
      "await source.ask({ prompt: 'Name?', node: 'A' });",
      'source.close();',
      'console.log(JSON.stringify({ before, after: loaded() }));',
    ].join('\n');
    const printed = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(printed.trim())).toEqual({ before: false, after: true });
  });
});
