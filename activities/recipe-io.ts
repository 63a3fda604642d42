/**
 * The Recipe Finder's I/O: a recipe API over HTTP and an LLM through the `openai` package.
 * Runs only in the worker (or an in-process run), never in workflow code.
 */
import OpenAI from 'openai';
import { offlineChoice, type Recipe, type RecipeServices } from '../workflows/recipe-finder.js';

/** TheMealDB's free filter-by-ingredient endpoint; the ingredient is appended. */
export const DEFAULT_RECIPE_API_URL = 'https://www.themealdb.com/api/json/v1/1/filter.php?i=';
export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

export interface RecipeConfig {
  /** The recipe API URL; the URL-encoded ingredient is appended to it. */
  recipeApiUrl: string;
  /** Without a key, suggestions come from the offline chooser. */
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  openaiModel: string;
  /** HTTP timeout for each call, in milliseconds. */
  timeoutMs: number;
}

/** Reads the configuration from the environment (the README lists every variable). */
export function recipeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RecipeConfig {
  return {
    recipeApiUrl: env['RECIPE_API_URL'] || DEFAULT_RECIPE_API_URL,
    openaiApiKey: env['OPENAI_API_KEY'] || undefined,
    openaiBaseUrl: env['OPENAI_BASE_URL'] || undefined,
    openaiModel: env['OPENAI_MODEL'] || DEFAULT_OPENAI_MODEL,
    timeoutMs: Number(env['RECIPE_HTTP_TIMEOUT_MS'] || 15_000),
  };
}

/**
 * A recipe API answer that is not what TheMealDB's filter endpoint returns. Its message names the
 * API by origin only: the path and query of RECIPE_API_URL often hold a key (TheMealDB's does),
 * and an exec error reaches the run's history, the fallback and the worker log.
 */
export class RecipeApiError extends Error {
  override name = 'RecipeApiError';
}

/** The LLM endpoint refused or failed a request; the message never holds the API key, even masked. */
export class LlmError extends Error {
  override name = 'LlmError';
}

/** `text` with the key and anything shaped like an OpenAI key (masked ones included) left out. */
export function withoutKeys(text: string, key: string | undefined): string {
  const bare = key === undefined || key === '' ? text : text.split(key).join('<the API key>');
  return bare.replace(/\bsk-[\w*-]{2,}/g, '<an API key>');
}

/** Builds the services the Recipe Finder's exec calls. `fetchImpl` is for tests. */
export function createRecipeServices(config: RecipeConfig, fetchImpl: typeof fetch = fetch): RecipeServices {
  const llm =
    config.openaiApiKey === undefined
      ? undefined
      : new OpenAI({
          apiKey: config.openaiApiKey,
          baseURL: config.openaiBaseUrl,
          timeout: config.timeoutMs,
          maxRetries: 0,
        });
  return {
    async fetchRecipes(ingredient: string): Promise<Recipe[]> {
      const url = `${config.recipeApiUrl}${encodeURIComponent(ingredient)}`;
      const api = `The recipe API at ${new URL(url).origin}`;
      const response = await fetchImpl(url, { signal: AbortSignal.timeout(config.timeoutMs) });
      if (!response.ok) {
        throw new RecipeApiError(`${api} answered ${response.status} ${response.statusText}.`);
      }
      const body = (await response.json()) as { meals?: Array<{ idMeal?: unknown; strMeal?: unknown }> | null };
      if (typeof body !== 'object' || body === null || !('meals' in body)) {
        throw new RecipeApiError(`${api} answered with no 'meals' field: is RECIPE_API_URL a filter-by-ingredient endpoint?`);
      }
      return (body.meals ?? [])
        .filter((m) => typeof m.strMeal === 'string')
        .map((m) => ({ id: String(m.idMeal ?? m.strMeal), name: m.strMeal as string }));
    },

    async suggestRecipe(ingredient: string, candidates: Recipe[], onText?: (text: string) => void) {
      if (llm === undefined) {
        return { recipe: offlineChoice(candidates), source: 'offline chooser' as const };
      }
      const stream = await llm.chat.completions
        .create({
          stream: true,
          model: config.openaiModel,
          messages: [
            {
              role: 'system',
              content: 'You suggest one recipe. Answer with the exact name of one recipe from the list, and nothing else.',
            },
            {
              role: 'user',
              content: `Ingredient: ${ingredient}\nRecipes:\n${candidates.map((c) => `- ${c.name}`).join('\n')}`,
            },
          ],
        })
        .catch((error: unknown) => {
          throw llmError(error, config.openaiApiKey);
        });
      let reply = '';
      try {
        for await (const chunk of stream) {
          const text = chunk.choices[0]?.delta?.content ?? '';
          if (text !== '') {
            reply += text;
            onText?.(text);
          }
        }
      } catch (error) {
        throw llmError(error, config.openaiApiKey);
      }
      reply = reply.trim();
      const recipe = matchRecipe(reply, candidates);
      if (recipe === undefined) {
        throw new Error(`The LLM answered ${JSON.stringify(reply.slice(0, 200))}, which names none of the recipes.`);
      }
      return { recipe, source: 'LLM' as const };
    },
  };
}

/**
 * The error to throw for a failed LLM call: a new one, so that neither the message nor a cause
 * carries the key (an OpenAI 401 quotes it masked), with the status and error code kept.
 */
function llmError(error: unknown, key: string | undefined): LlmError {
  if (error instanceof OpenAI.APIError) {
    const status = error.status === undefined ? '' : ` answered ${error.status}`;
    const code = typeof error.code === 'string' ? ` (${error.code})` : '';
    return new LlmError(`The LLM endpoint${status}${code}: ${withoutKeys(error.message, key)}`);
  }
  return new LlmError(`The LLM call failed: ${withoutKeys(error instanceof Error ? error.message : String(error), key)}`);
}

/** The candidate the reply names: an exact match first, then the longest name it contains. */
export function matchRecipe(reply: string, candidates: Recipe[]): Recipe | undefined {
  const normal = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  const answer = normal(reply);
  const exact = candidates.find((c) => normal(c.name) === answer);
  if (exact !== undefined) {
    return exact;
  }
  return [...candidates]
    .sort((a, b) => b.name.length - a.name.length)
    .find((c) => normal(c.name) !== '' && answer.includes(normal(c.name)));
}
