// How a route describes itself in the OpenAPI document: the same four fields for commands and queries.

export interface OperationDocs {
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly operationId?: string;
}

/** The route schema's documentation fields: only those given, so an absent one stays out of the document. */
export const operationDocs = ({ summary, description, tags, operationId }: OperationDocs): OperationDocs => ({
  summary,
  ...(description === undefined ? {} : { description }),
  ...(tags === undefined ? {} : { tags }),
  ...(operationId === undefined ? {} : { operationId }),
});
