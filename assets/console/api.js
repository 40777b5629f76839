// The GraphQL-over-HTTP client: one POST per operation to /graphql. Failures become ApiError
// with the server's `extensions.code` (SPEC section 5) so views can turn them into sentences;
// the raw JSON is never shown.

export const GRAPHQL_URL = '/graphql';

export class ApiError extends Error {
  /**
   * @param {string} code  an `extensions.code` (UNAUTHENTICATED, FORBIDDEN, ...), or NETWORK /
   *                       BAD_RESPONSE when no GraphQL answer came back
   * @param {string} message  the server's message (English), may be empty
   * @param {object} extensions  the rest (`field`, `retryAfter`)
   */
  constructor(code, message, extensions = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.code = code;
    this.serverMessage = message || '';
    this.field = extensions.field || null;
    this.retryAfter = extensions.retryAfter ?? null;
  }
}

/**
 * Runs one operation. Resolves with `data`; rejects with an ApiError for the first GraphQL error
 * (every operation of the console needs all of its fields, so partial data counts as failure).
 */
export async function graphql(query, variables = {}, { token = null, signal } = {}) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
      signal,
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError('NETWORK', '');
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!body || typeof body !== 'object' || (!('data' in body) && !Array.isArray(body.errors))) {
    throw new ApiError('BAD_RESPONSE', `HTTP ${response.status}`);
  }
  if (Array.isArray(body.errors) && body.errors.length > 0) {
    const first = body.errors[0] || {};
    const ext = first.extensions || {};
    throw new ApiError(ext.code || 'INTERNAL', typeof first.message === 'string' ? first.message : '', ext);
  }
  return body.data;
}
