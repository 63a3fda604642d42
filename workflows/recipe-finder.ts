/**
 * The Recipe Finder: ask for an ingredient, fetch recipes, let an LLM suggest one, ask the
 * person to accept it, and suggest another on a no. The nodes do no I/O themselves: exec
 * calls `RecipeServices`, which the worker (or an in-process run) provides.
 */
import { AsyncFlow, AsyncHumanNode, AsyncNode } from '../src/workflow.js';

export interface Recipe {
  id: string;
  name: string;
}

/** Where a list of recipes or a suggestion came from, so that the person can tell. */
export type RecipeSource = 'recipe API' | 'built-in list';
export type SuggestionSource = 'LLM' | 'offline chooser';

export interface RecipeShared {
  ingredient?: string;
  recipes?: Recipe[];
  recipesSource?: RecipeSource;
  suggestion?: Recipe;
  suggestionSource?: SuggestionSource;
  rejected?: string[];
  accepted?: Recipe;
  /** What the flow says to the person, line by line. */
  transcript?: string[];
}

/** The I/O the Recipe Finder's exec needs; activities/recipe-io.ts provides it. */
export interface RecipeServices {
  fetchRecipes(ingredient: string): Promise<Recipe[]>;
  /** `onText` receives the LLM's reply as it arrives, piece by piece. */
  suggestRecipe(
    ingredient: string,
    candidates: Recipe[],
    onText?: (text: string) => void,
  ): Promise<{ recipe: Recipe; source: SuggestionSource }>;
}

/** How many recipes are handed to the LLM at most. */
export const MAX_CANDIDATES = 25;
/** How often a suggestion's exec tells Temporal its worker is alive, well within its heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 2000;

function say(shared: RecipeShared, line: string): void {
  shared.transcript = [...(shared.transcript ?? []), line];
}

/** Asks for the ingredient (unless given at start) and fetches recipes for it. */
export class FetchRecipes extends AsyncNode<
  RecipeShared,
  string,
  { recipes: Recipe[]; source: RecipeSource },
  RecipeServices
> {
  constructor() {
    super({ maxRetries: 3, wait: 1, temporal: { startToCloseTimeout: '30s' } });
  }

  override async prepAsync(shared: RecipeShared): Promise<string> {
    if (shared.transcript === undefined) {
      say(shared, 'Welcome to Recipe Finder!');
      say(shared, '------------------------');
    }
    if (shared.ingredient === undefined) {
      const answer = await this.getUserInput('Enter ingredient:', {
        validate: (text) => (text.trim() === '' ? 'Please type an ingredient, for example: chicken.' : undefined),
      });
      shared.ingredient = answer.trim();
    }
    say(shared, `Fetching recipes for ${shared.ingredient}...`);
    return shared.ingredient;
  }

  override async execAsync(ingredient: string): Promise<{ recipes: Recipe[]; source: RecipeSource }> {
    const recipes = await this.services.fetchRecipes(ingredient);
    return { recipes, source: 'recipe API' };
  }

  override execSummary(ingredient: string): string {
    return ingredient;
  }

  override async execFallbackAsync(
    ingredient: string,
    error: Error,
  ): Promise<{ recipes: Recipe[]; source: RecipeSource }> {
    this.logger.warn(`Recipe API unavailable (${error.message}); using the built-in list.`);
    return { recipes: builtInRecipes(ingredient), source: 'built-in list' };
  }

  override async postAsync(
    shared: RecipeShared,
    _ingredient: string,
    result: { recipes: Recipe[]; source: RecipeSource },
  ): Promise<string> {
    shared.recipes = result.recipes;
    shared.recipesSource = result.source;
    shared.rejected = shared.rejected ?? [];
    if (result.source === 'built-in list') {
      say(shared, 'The recipe API could not be reached; using the built-in list.');
    }
    if (result.recipes.length === 0) {
      say(shared, `No recipes found for ${shared.ingredient}.`);
      return 'none';
    }
    say(shared, `Found ${result.recipes.length} recipes.`);
    return 'suggest';
  }
}

/** Lets the LLM pick one recipe the person has not rejected yet. */
export class SuggestRecipe extends AsyncNode<
  RecipeShared,
  { ingredient: string; candidates: Recipe[] } | null,
  { recipe: Recipe; source: SuggestionSource } | null,
  RecipeServices
> {
  constructor() {
    // The heartbeat timeout notices a lost worker within seconds, not the minute a reply may take.
    super({ maxRetries: 2, wait: 1, temporal: { startToCloseTimeout: '60s', heartbeatTimeout: '6s' } });
  }

  override async prepAsync(shared: RecipeShared): Promise<{ ingredient: string; candidates: Recipe[] } | null> {
    const rejected = new Set(shared.rejected ?? []);
    const candidates = (shared.recipes ?? []).filter((r) => !rejected.has(r.id)).slice(0, MAX_CANDIDATES);
    if (candidates.length === 0) {
      return null;
    }
    say(shared, 'Suggesting best recipe...');
    return { ingredient: shared.ingredient ?? '', candidates };
  }

  override async execAsync(
    input: { ingredient: string; candidates: Recipe[] } | null,
  ): Promise<{ recipe: Recipe; source: SuggestionSource } | null> {
    if (input === null) {
      return null;
    }
    // The reply streams to whoever watches the run; the suggestion is this exec's result. The
    // exec heartbeats while it waits (the LLM client's own timeout ends a call that hangs).
    const beat = setInterval(() => this.heartbeat(), HEARTBEAT_EVERY_MS);
    let suggestion: { recipe: Recipe; source: SuggestionSource };
    try {
      suggestion = await this.services.suggestRecipe(input.ingredient, input.candidates, (text) => this.stream(text));
    } finally {
      clearInterval(beat);
    }
    if (!input.candidates.some((c) => c.id === suggestion.recipe.id)) {
      throw new Error(`The suggestion '${suggestion.recipe.name}' is not one of the candidates.`);
    }
    return suggestion;
  }

  override execSummary(input: { ingredient: string; candidates: Recipe[] } | null): string | undefined {
    return input === null ? undefined : `${input.ingredient}, ${input.candidates.length} candidates`;
  }

  override async execFallbackAsync(
    input: { ingredient: string; candidates: Recipe[] } | null,
    error: Error,
  ): Promise<{ recipe: Recipe; source: SuggestionSource } | null> {
    this.logger.warn(`LLM unavailable (${error.message}); using the offline chooser.`);
    return input === null ? null : { recipe: offlineChoice(input.candidates), source: 'offline chooser' };
  }

  override async postAsync(
    shared: RecipeShared,
    _input: unknown,
    result: { recipe: Recipe; source: SuggestionSource } | null,
  ): Promise<string> {
    if (result === null) {
      say(shared, `That was every recipe I know for ${shared.ingredient}. Sorry I could not find one you like.`);
      return 'exhausted';
    }
    shared.suggestion = result.recipe;
    shared.suggestionSource = result.source;
    const label = result.source === 'LLM' ? '' : ` (${result.source}: no LLM was used)`;
    say(shared, `How about: ${result.recipe.name}${label}`);
    return 'approve';
  }
}

/** Waits for the person's yes or no. */
export class GetApproval extends AsyncHumanNode<RecipeShared, { recipe: Recipe; ingredient: string }, string> {
  override async prepAsync(shared: RecipeShared): Promise<{ recipe: Recipe; ingredient: string }> {
    return { recipe: shared.suggestion as Recipe, ingredient: shared.ingredient ?? '' };
  }

  override async execAsync({ recipe, ingredient }: { recipe: Recipe; ingredient: string }): Promise<string> {
    // The context is what the Web UI, status and the inbox show beside the question.
    return this.getUserInput('Accept this recipe? (y/n):', { choices: ['y', 'n'], context: `Recipe: ${recipe.name}\nIngredient: ${ingredient}` });
  }

  override async postAsync(shared: RecipeShared, { recipe }: { recipe: Recipe; ingredient: string }, answer: string): Promise<string> {
    if (answer === 'y') {
      shared.accepted = recipe;
      say(shared, "Great choice! Here's your recipe...");
      say(shared, `Recipe: ${recipe.name}`);
      say(shared, `Ingredient: ${shared.ingredient}`);
      return 'accept';
    }
    shared.rejected = [...(shared.rejected ?? []), recipe.id];
    say(shared, "Let's try another recipe...");
    return 'retry';
  }
}

/** Says goodbye. */
export class EndConversation extends AsyncNode<RecipeShared> {
  override async postAsync(shared: RecipeShared): Promise<undefined> {
    say(shared, 'Thanks for using Recipe Finder!');
    return undefined;
  }
}

/** Builds the Recipe Finder flow. */
export function createRecipeFlow(): AsyncFlow<RecipeShared, unknown, RecipeServices> {
  const fetch = new FetchRecipes();
  const suggest = new SuggestRecipe();
  const approve = new GetApproval();
  const end = new EndConversation();
  fetch.on('suggest', suggest).on('none', end);
  suggest.on('approve', approve).on('exhausted', end);
  approve.on('retry', suggest).on('accept', end);
  return new AsyncFlow<RecipeShared, unknown, RecipeServices>({ start: fetch, name: 'RecipeFinder' });
}

/** A deterministic pick used when no LLM is configured or reachable: the first candidate. */
export function offlineChoice(candidates: Recipe[]): Recipe {
  return candidates[0] as Recipe;
}

const BUILT_IN: Record<string, string[]> = {
  chicken: ['Chicken Stir Fry', 'Grilled Chicken with Herbs', 'Chicken Curry'],
  beef: ['Beef Stew', 'Beef Tacos', 'Beef and Broccoli'],
  egg: ['Spanish Omelette', 'Shakshuka', 'Egg Fried Rice'],
  rice: ['Vegetable Risotto', 'Egg Fried Rice', 'Rice Pudding'],
  salmon: ['Baked Salmon', 'Salmon Teriyaki', 'Salmon Salad'],
};

/** The small list used when the recipe API cannot be reached. */
export function builtInRecipes(ingredient: string): Recipe[] {
  const key = ingredient.trim().toLowerCase().replace(/s$/, '');
  const title = ingredient.trim().toLowerCase().replace(/(^|\s)\S/g, (first) => first.toUpperCase());
  const names = BUILT_IN[key] ?? [`Simple ${title} Soup`, `Roasted ${title}`, `${title} Salad`];
  return names.map((name, i) => ({ id: `builtin-${key}-${i + 1}`, name }));
}
