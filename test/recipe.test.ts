// The Recipe Finder in-process and its I/O alone, against local stand-ins for the APIs (no Temporal).
import { describe, expect, it } from 'vitest';
import {
  createRecipeServices,
  LlmError,
  matchRecipe,
  RecipeApiError,
  type RecipeConfig,
  recipeConfigFromEnv,
  withoutKeys,
} from '../activities/recipe-io.js';
import { ScriptedInput, silentLogger } from '../src/core/index.js';
import { builtInRecipes, createRecipeFlow, type RecipeShared } from '../workflows/recipe-finder.js';
import { pickLastListed, startOpenAiStandIn, startRecipeApi, useRecipeStandIns } from './setup/stand-ins.js';

const RECIPES = { chicken: ['Chicken Curry', 'Chicken Stir Fry', 'Grilled Chicken with Herbs'] };

const standIns = useRecipeStandIns(RECIPES);

function config(overrides: Partial<RecipeConfig> = {}): RecipeConfig {
  return {
    recipeApiUrl: standIns.api.filterUrl,
    openaiApiKey: 'sk-local-test',
    openaiBaseUrl: standIns.llm.baseUrl,
    openaiModel: 'test-model',
    timeoutMs: 2000,
    ...overrides,
  };
}

describe('recipe services', () => {
  it('fetches recipes from a TheMealDB-shaped API', async () => {
    const recipes = await createRecipeServices(config()).fetchRecipes('chicken');
    expect(recipes.map((r) => r.name)).toEqual(RECIPES.chicken);
    expect(standIns.api.requests.at(-1)?.url).toBe('/api/json/v1/1/filter.php?i=chicken');
  });

  it('returns no recipes for an ingredient the API does not know', async () => {
    expect(await createRecipeServices(config()).fetchRecipes('unobtainium')).toEqual([]);
  });

  it('asks the LLM through the openai client, with the key in the header', async () => {
    const services = createRecipeServices(config());
    const candidates = await services.fetchRecipes('chicken');
    const suggestion = await services.suggestRecipe('chicken', candidates);
    expect(suggestion).toEqual({ recipe: candidates[2], source: 'LLM' });
    const request = standIns.llm.requests.at(-1);
    expect(request?.headers['authorization']).toBe('Bearer sk-local-test');
    expect(JSON.parse(request?.body ?? '{}').model).toBe('test-model');
  });

  it('uses the labelled offline chooser when no key is set', async () => {
    const before = standIns.llm.requests.length;
    const services = createRecipeServices(config({ openaiApiKey: undefined }));
    const candidates = await services.fetchRecipes('chicken');
    expect(await services.suggestRecipe('chicken', candidates)).toEqual({ recipe: candidates[0], source: 'offline chooser' });
    expect(standIns.llm.requests.length).toBe(before);
  });

  it('says which API failed, by origin only, when the recipe API answers with an error: the URL may hold a key', async () => {
    const failing = await startRecipeApi(RECIPES, { failTimes: 1, failStatus: 401, key: 'k3y-in-the-path' });
    try {
      const error = await createRecipeServices(config({ recipeApiUrl: failing.filterUrl }))
        .fetchRecipes('chicken')
        .catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(RecipeApiError);
      expect((error as Error).message).toBe(`The recipe API at ${failing.url} answered 401 Unauthorized.`);
      expect(`${(error as Error).stack}`).not.toContain('k3y-in-the-path');
      expect(failing.requests.at(-1)?.url).toBe('/api/json/v1/k3y-in-the-path/filter.php?i=chicken');
    } finally {
      await failing.close();
    }
  });

  it('keeps the API key out of an LLM error, even the masked key an OpenAI 401 quotes', async () => {
    const refusing = await startOpenAiStandIn(pickLastListed, { refuseKeys: true });
    try {
      const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123';
      const services = createRecipeServices(config({ openaiBaseUrl: refusing.baseUrl, openaiApiKey: key }));
      const error = await services.suggestRecipe('chicken', [{ id: '1', name: 'Chicken Curry' }]).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(LlmError);
      expect((error as Error).message).toBe(
        'The LLM endpoint answered 401 (invalid_api_key): 401 Incorrect API key provided: <an API key>. ' +
          'You can find your API key at https://platform.openai.com/account/api-keys.',
      );
      expect((error as Error).cause).toBeUndefined();
      for (const part of [key, key.slice(0, 7), key.slice(-4)]) {
        expect(`${(error as Error).stack}`).not.toContain(part);
      }
    } finally {
      await refusing.close();
    }
  });

  it('leaves out the key itself, whatever its shape, and anything shaped like an OpenAI key', () => {
    expect(withoutKeys('bad key abc123xyz in abc123xyz', 'abc123xyz')).toBe('bad key <the API key> in <the API key>');
    expect(withoutKeys('Incorrect API key provided: sk-ab***yz.', undefined)).toBe('Incorrect API key provided: <an API key>.');
    expect(withoutKeys('no key here', '')).toBe('no key here');
  });

  it('matches the LLM reply to a candidate, exactly or by the longest name it contains', () => {
    const candidates = [
      { id: '1', name: 'Chicken Curry' },
      { id: '2', name: 'Thai Chicken Curry' },
    ];
    expect(matchRecipe('chicken curry', candidates)?.id).toBe('1');
    expect(matchRecipe('I suggest "Thai Chicken Curry"!', candidates)?.id).toBe('2');
    expect(matchRecipe('Pizza', candidates)).toBeUndefined();
  });

  it('reads its configuration from the environment, with TheMealDB as the default API', () => {
    expect(recipeConfigFromEnv({})).toMatchObject({
      recipeApiUrl: 'https://www.themealdb.com/api/json/v1/1/filter.php?i=',
      openaiApiKey: undefined,
    });
    expect(recipeConfigFromEnv({ OPENAI_API_KEY: 'k', OPENAI_MODEL: 'm' })).toMatchObject({ openaiApiKey: 'k', openaiModel: 'm' });
  });
});

describe('the Recipe Finder flow, in-process', () => {
  it('suggests another recipe after a no, and ends on a yes', async () => {
    const shared: RecipeShared = {};
    const input = new ScriptedInput(['chicken', 'n', 'y']);
    await createRecipeFlow().runAsync(shared, { input, services: createRecipeServices(config()), logger: silentLogger });
    expect(shared.accepted?.name).toBe('Chicken Stir Fry');
    expect(shared.transcript).toEqual([
      'Welcome to Recipe Finder!',
      '------------------------',
      'Fetching recipes for chicken...',
      'Found 3 recipes.',
      'Suggesting best recipe...',
      'How about: Grilled Chicken with Herbs',
      "Let's try another recipe...",
      'Suggesting best recipe...',
      'How about: Chicken Stir Fry',
      "Great choice! Here's your recipe...",
      'Recipe: Chicken Stir Fry',
      'Ingredient: chicken',
      'Thanks for using Recipe Finder!',
    ]);
  });

  it('never suggests a rejected recipe again, and ends politely when all are rejected', async () => {
    const shared: RecipeShared = { ingredient: 'chicken' };
    const input = new ScriptedInput(['n', 'n', 'n']);
    await createRecipeFlow().runAsync(shared, { input, services: createRecipeServices(config()), logger: silentLogger });
    const suggested = (shared.transcript ?? []).filter((l: string) => l.startsWith('How about')).map((l: string) => l.slice(11));
    expect(suggested).toEqual(['Grilled Chicken with Herbs', 'Chicken Stir Fry', 'Chicken Curry']);
    expect(shared.accepted).toBeUndefined();
    expect(shared.transcript?.at(-2)).toBe('That was every recipe I know for chicken. Sorry I could not find one you like.');
  });

  it('falls back to the built-in list when the recipe API cannot be reached', async () => {
    const shared: RecipeShared = { ingredient: 'beef' };
    const services = createRecipeServices(config({ recipeApiUrl: 'http://127.0.0.1:1/?i=', openaiApiKey: undefined }));
    const flow = createRecipeFlow();
    const fetchNode = flow.startNode!;
    fetchNode.wait = 0;
    await flow.runAsync(shared, { input: new ScriptedInput(['y']), services, logger: silentLogger });
    expect(shared.recipesSource).toBe('built-in list');
    expect(shared.recipes).toEqual(builtInRecipes('beef'));
    expect(shared.transcript).toContain('The recipe API could not be reached; using the built-in list.');
    expect(shared.transcript).toContain('How about: Beef Stew (offline chooser: no LLM was used)');
  });

  it('names the built-in recipes for an ingredient it has no list for in title case', () => {
    expect(builtInRecipes('pork belly').map((r) => r.name)).toEqual(['Simple Pork Belly Soup', 'Roasted Pork Belly', 'Pork Belly Salad']);
  });

  it('says so when the API has no recipes for the ingredient', async () => {
    const shared: RecipeShared = { ingredient: 'unobtainium' };
    await createRecipeFlow().runAsync(shared, { input: new ScriptedInput([]), services: createRecipeServices(config()), logger: silentLogger });
    expect(shared.transcript).toEqual([
      'Welcome to Recipe Finder!',
      '------------------------',
      'Fetching recipes for unobtainium...',
      'No recipes found for unobtainium.',
      'Thanks for using Recipe Finder!',
    ]);
  });
});
