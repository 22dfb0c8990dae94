/** Token counts of one model response, as its `usage` reports them (missing fields are 0). */
export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  /** All cache writes; the 1-hour ones among them are also in cache_write_1h_tokens. */
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_write_1h_tokens: number;
  web_search_requests: number;
  /** `fast` for fast mode, priced higher. */
  speed: string | null;
  /** `us` for US-only inference, priced 1.1x. */
  inference_geo: string | null;
}

/** USD per million tokens. */
interface Rates {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  /** Prompts (input + cache reads + cache writes) over this many tokens are priced at `above`. */
  longPrompt?: { aboveTokens: number; above: Omit<Rates, 'longPrompt'> };
}

/** Anthropic's usual ratios: a 5-minute cache write costs 1.25x input, a 1-hour one 2x. */
function tier(input: number, output: number, cacheRead = input / 10): Rates {
  return { input, output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead };
}

const OPUS_4_0 = tier(15, 75);
const OPUS_4_5 = tier(5, 25);
const SONNET_4 = tier(3, 15);
const FAST_MODE = tier(30, 150);
const WEB_SEARCH_USD = 0.01;
const US_ONLY_INFERENCE = 1.1;

/**
 * List prices by model id, as the Claude Code CLI's own model catalog (2.1.332) has them, so the
 * proxy's figure matches the SDK's total_cost_usd for the calls both see. A model id may carry a
 * date suffix (`claude-sonnet-4-5-20250929`) or a Vertex `@date`.
 */
const PRICES: Readonly<Record<string, Rates>> = {
  'claude-3-opus': OPUS_4_0,
  'claude-opus-4': OPUS_4_0,
  'claude-opus-4-0': OPUS_4_0,
  'claude-opus-4-1': OPUS_4_0,
  'claude-opus-4-5': OPUS_4_5,
  'claude-opus-4-6': OPUS_4_5,
  'claude-opus-4-7': OPUS_4_5,
  'claude-opus-4-8': OPUS_4_5,
  'claude-opus-5': OPUS_4_5,
  'claude-opus-5-5': tier(4, 20, 0.2),
  'claude-3-5-sonnet': SONNET_4,
  'claude-3-7-sonnet': SONNET_4,
  'claude-sonnet-4': SONNET_4,
  'claude-sonnet-4-0': SONNET_4,
  'claude-sonnet-4-5': SONNET_4,
  'claude-sonnet-4-6': SONNET_4,
  'claude-sonnet-5': tier(2, 10),
  'claude-sonnet-5-5': tier(2, 10, 0.1),
  'claude-3-haiku': { ...tier(0.25, 1.25, 0.03), cacheWrite5m: 0.3, cacheWrite1h: 0.5 },
  'claude-3-5-haiku': tier(0.8, 4),
  'claude-haiku-4-5': tier(1, 5),
  'claude-haiku-5-5': { ...tier(0.1, 0.5), longPrompt: { aboveTokens: 100_000, above: tier(0.5, 2.5) } },
  'claude-fable-5': tier(10, 50),
  'claude-fable-5-1': tier(10, 50, 0.25),
  'claude-fable-5-2': tier(8, 40, 0.2),
  'claude-mythos-5': tier(10, 50),
  'claude-mythos-5-1': tier(10, 50, 0.25),
};

/**
 * A model not in the table is priced like the dearest one: whoever calls the proxy chooses the
 * model name, and a name we do not know must never be cheaper than a real model.
 */
const UNKNOWN_MODEL: Rates = Object.values(PRICES).reduce((dearest, rates) => (rates.output > dearest.output ? rates : dearest));

/** The rates for a model id as the API names it; the dearest ones for an id not in the table. */
export function ratesFor(model: string | null): Rates {
  if (model === null) return UNKNOWN_MODEL;
  const id = model
    .toLowerCase()
    .replace(/@\d{8}$/, '')
    .replace(/-\d{8}$/, '');
  return Object.hasOwn(PRICES, id) ? PRICES[id]! : UNKNOWN_MODEL;
}

/** What one response's usage costs in USD. */
export function costUsd(model: string | null, usage: ModelUsage): number {
  const base = usage.speed === 'fast' ? FAST_MODE : ratesFor(model);
  const prompt = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
  const rates = base.longPrompt && prompt > base.longPrompt.aboveTokens ? base.longPrompt.above : base;
  const oneHour = Math.min(usage.cache_write_1h_tokens, usage.cache_creation_input_tokens);
  const tokens =
    usage.input_tokens * rates.input +
    usage.output_tokens * rates.output +
    usage.cache_read_input_tokens * rates.cacheRead +
    (usage.cache_creation_input_tokens - oneHour) * rates.cacheWrite5m +
    oneHour * rates.cacheWrite1h;
  const geo = usage.inference_geo === 'us' ? US_ONLY_INFERENCE : 1;
  return (tokens / 1_000_000) * geo + usage.web_search_requests * WEB_SEARCH_USD;
}

export const EMPTY_USAGE: Readonly<ModelUsage> = Object.freeze({
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cache_write_1h_tokens: 0,
  web_search_requests: 0,
  speed: null,
  inference_geo: null,
});

/**
 * Folds a `usage` object from the API into what is known of a response so far. Counts are
 * cumulative in the API (message_delta repeats the totals), so each field keeps the larger
 * value: a later event can only add to the cost, never take from it.
 */
export function mergeUsage(known: ModelUsage, raw: unknown): ModelUsage {
  if (typeof raw !== 'object' || raw === null) return known;
  const u = raw as Record<string, unknown>;
  const count = (value: unknown, current: number): number => (typeof value === 'number' && Number.isFinite(value) && value > current ? value : current);
  const cacheCreation = typeof u.cache_creation === 'object' && u.cache_creation !== null ? (u.cache_creation as Record<string, unknown>) : {};
  const serverTools = typeof u.server_tool_use === 'object' && u.server_tool_use !== null ? (u.server_tool_use as Record<string, unknown>) : {};
  return {
    input_tokens: count(u.input_tokens, known.input_tokens),
    output_tokens: count(u.output_tokens, known.output_tokens),
    cache_creation_input_tokens: count(u.cache_creation_input_tokens, known.cache_creation_input_tokens),
    cache_read_input_tokens: count(u.cache_read_input_tokens, known.cache_read_input_tokens),
    cache_write_1h_tokens: count(cacheCreation.ephemeral_1h_input_tokens, known.cache_write_1h_tokens),
    web_search_requests: count(serverTools.web_search_requests, known.web_search_requests),
    speed: typeof u.speed === 'string' ? u.speed : known.speed,
    inference_geo: typeof u.inference_geo === 'string' ? u.inference_geo : known.inference_geo,
  };
}
