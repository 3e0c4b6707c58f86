/**
 * Compiled state machine definitions, by a hash of their text: a definition
 * is parsed and validated once when a state machine is created or updated,
 * and loaded from the store (already valid) when an execution resumes.
 */
import { createHash } from 'node:crypto';
import { parseDefinition, type CompiledDefinition } from './definition';
import type { ExecutionStoreImpl } from './store';
import { validateWithAslValidator } from './validate';

export class DefinitionCache {
  private compiled = new Map<string, CompiledDefinition>();

  constructor(private readonly store: ExecutionStoreImpl) {}

  /** The id a definition text is stored under (see ExecutionStoreImpl.putDefinition). */
  idOf(definition: string): string {
    return createHash('sha256').update(definition).digest('hex').slice(0, 32);
  }

  /** Parses and validates a definition; throws EngineError('InvalidDefinition') when it is not valid. */
  compile(definition: string): CompiledDefinition {
    const id = this.idOf(definition);
    let c = this.compiled.get(id);
    if (!c) {
      c = parseDefinition(definition);
      validateWithAslValidator(definition);
      this.compiled.set(id, c);
    }
    return c;
  }

  /** A definition from the store by id, parsed. */
  async load(id: string): Promise<CompiledDefinition> {
    const c = this.compiled.get(id);
    if (c) return c;
    const text = await this.store.getDefinition(id);
    if (text === undefined) throw new Error(`definition ${id} is missing from the store`);
    const compiled = parseDefinition(text);
    this.compiled.set(id, compiled);
    return compiled;
  }
}
