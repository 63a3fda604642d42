export function renderReport(results: unknown): string {
  return `# stub\n\n\`\`\`json\n${JSON.stringify(results, (k, v) => (k === 'raw' ? undefined : v), 2)}\n\`\`\`\n`;
}
