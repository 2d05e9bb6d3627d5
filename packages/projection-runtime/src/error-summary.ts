/** Error name, message and code only: never payloads or SQL parameters. */
export function errorSummary(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: 'NonError', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}
