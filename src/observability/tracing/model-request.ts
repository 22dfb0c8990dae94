/**
 * What a span needs from a Messages API request: its model, and whether it is a step of the
 * agent's conversation (it offers the agent's tools) or a side call the CLI makes on its own
 * (a title, a command's prefix), which belongs to the current turn without starting one.
 */
export function mainConversationCall(body: Buffer): { model: string | null; main: boolean } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { model?: unknown; tools?: unknown };
    return { model: typeof parsed.model === 'string' ? parsed.model : null, main: Array.isArray(parsed.tools) && parsed.tools.length > 0 };
  } catch {
    return { model: null, main: false };
  }
}
